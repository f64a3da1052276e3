package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upgrade from the release whose NodeProfileStatus listed every installed profile: its objects
 * are taken over by the new agents, and no profile is left stuck.
 */
class UpgradeIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final String CRD = "nodeprofilestatuses.leastprivilege.dev";

  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1");

  @Test
  void aNodeReportOfTheEarlierShapeIsReplacedAndTheProfileInstalls(@TestNamespace String ns)
      throws Exception {
    // The cluster as the earlier release left it: its CRD, and a report listing a profile.
    applyCrd(Path.of("src/test/resources/upgrade/nodeprofilestatuses-0.1.yaml"));
    GenericKubernetesResource old =
        cluster
            .client
            .getKubernetesSerialization()
            .unmarshal(
                """
                apiVersion: leastprivilege.dev/v1alpha1
                kind: NodeProfileStatus
                metadata: {name: n1}
                spec: {nodeName: n1}
                """,
                GenericKubernetesResource.class);
    cluster.client.resource(old).create();
    old = cluster.client.resource(old).get();
    old.setAdditionalProperty(
        "status",
        Map.of(
            "installed",
            List.of(
                Map.of("namespace", ns, "name", "web", "contentHash", "sha256:" + "0".repeat(64))),
            "failed",
            List.of()));
    cluster.client.resource(old).updateStatus();

    // The upgrade: the new CRD, then the new operator and agent.
    applyCrd(Path.of("../../crds/" + CRD + ".yaml"));
    cluster.apply(SeccompProfileOperatorIT.profileYaml(ns, "web", "", "read", "exit_group"));
    cluster.restartOperator();
    cluster.restartAgent("n1");

    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              var p = cluster.profile(ns, "web");
              assertTrue(
                  p.getStatus() != null && p.getStatus().getPhase() == ProfilePhase.Installed,
                  () -> "not installed: " + p.getStatus());
            });
    assertEquals("1/1", cluster.profile(ns, "web").getStatus().getInstalledOn());
    var report =
        cluster
            .client
            .genericKubernetesResources("leastprivilege.dev/v1alpha1", "NodeProfileStatus")
            .withName("n1")
            .get();
    @SuppressWarnings("unchecked")
    Map<String, Object> status =
        (Map<String, Object>) report.getAdditionalProperties().get("status");
    assertNull(status.get("installed"), "the earlier list is gone: " + status);
    assertTrue(
        cluster
                .client
                .resources(NodeProfileStatus.class)
                .withName("n1")
                .get()
                .getStatus()
                .getAppliedRevision()
            != null);
    assertTrue(Files.exists(cluster.nodeRoot("n1").resolve("leastprivilege/" + ns + "/web.json")));
  }

  private static void applyCrd(Path file) throws Exception {
    RealApiServer.applyCrd(cluster.client, Files.readString(file));
  }
}
