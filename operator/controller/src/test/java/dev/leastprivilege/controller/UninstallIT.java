package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.controller.seccomp.SeccompProfileReconciler;
import dev.leastprivilege.controller.uninstall.Uninstall;
import dev.leastprivilege.controller.uninstall.UninstallSettings;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the chart's pre-delete hook does (docs/install.md, Uninstall), against the real API server:
 * with the operator stopped, only this product's finalizers go, and then deleting the profiles and
 * the CRDs finishes. (The whole `helm uninstall` on a real node is UninstallE2E.)
 */
class UninstallIT {
  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1").operator().agents();

  private static final Map<String, String> RELEASE =
      Map.of(
          "app.kubernetes.io/name",
          "least-privilege-operator",
          "app.kubernetes.io/instance",
          "lpo");

  @Test
  void onlyOurFinalizersGoThenDeletingProfilesAndTheCrdsFinishes(@TestNamespace String ns)
      throws Exception {
    KubernetesClient client = cluster.client();
    cluster.apply(profile(ns, "plain", ""));
    // Another controller's finalizer, which the uninstall must leave alone.
    cluster.apply(profile(ns, "shared", "  finalizers: [example.com/keep]\n"));
    for (String name : List.of("plain", "shared")) {
      await("profile " + name + " installed")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  cluster.profile(ns, name).getStatus() != null
                      && cluster.profile(ns, name).getStatus().getPhase()
                          == ProfilePhase.Installed);
    }
    assertTrue(
        cluster
            .profile(ns, "shared")
            .getMetadata()
            .getFinalizers()
            .contains(SeccompProfileReconciler.FINALIZER));
    // The label the operator keeps on namespaces with policies (set here by hand).
    client
        .namespaces()
        .withName(ns)
        .edit(
            n -> {
              Map<String, String> labels = new java.util.HashMap<>();
              if (n.getMetadata().getLabels() != null) {
                labels.putAll(n.getMetadata().getLabels());
              }
              labels.put(ApiNames.HAS_POLICIES_LABEL, "true");
              n.getMetadata().setLabels(labels);
              return n;
            });
    client
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName("lpo")
                .withNamespace(Cluster.OPERATOR_NS)
                .withLabels(RELEASE)
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .withMatchLabels(Map.of("app", "lpo"))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Map.of("app", "lpo"))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("operator")
                .withImage("example.com/lpo:0.1.0")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    client
        .resource(
            new DaemonSetBuilder()
                .withNewMetadata()
                .withName("lpo-agent")
                .withNamespace(Cluster.OPERATOR_NS)
                .withLabels(RELEASE)
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(Map.of("app", "lpo-agent"))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Map.of("app", "lpo-agent"))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("agent")
                .withImage("example.com/lpo:0.1.0")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();

    // This API server runs no controllers, so no pods: the operator and the agent run in this JVM,
    // and stop as the hook's scale-down and DaemonSet deletion would stop them.
    cluster.stopOperator();
    cluster.stopAgent("n1");
    Uninstall.Result result =
        new Uninstall(
                client,
                new UninstallSettings(
                    Cluster.OPERATOR_NS,
                    "app.kubernetes.io/name=least-privilege-operator,app.kubernetes.io/instance=lpo",
                    "lpo",
                    "lpo-webhook-tls",
                    Duration.ofSeconds(30)),
                Clock.systemUTC())
            .run();

    assertEquals(List.of("lpo"), result.stoppedDeployments());
    assertEquals(
        0,
        client
            .apps()
            .deployments()
            .inNamespace(Cluster.OPERATOR_NS)
            .withName("lpo")
            .get()
            .getSpec()
            .getReplicas());
    assertEquals(List.of("lpo-agent"), result.deletedDaemonSets());
    assertEquals(2, result.finalizersRemoved());
    assertEquals(
        List.of(),
        cluster.profile(ns, "plain").getMetadata().getFinalizers(),
        "nothing holds it any more");
    assertEquals(
        List.of("example.com/keep"),
        cluster.profile(ns, "shared").getMetadata().getFinalizers(),
        "another controller's finalizer stays");
    assertEquals(
        List.of(),
        client
            .configMaps()
            .inNamespace(Cluster.OPERATOR_NS)
            .withLabel(RenderedProfileConfigMap.COMPONENT_LABEL, RenderedProfileConfigMap.COMPONENT)
            .list()
            .getItems());
    Map<String, String> labels = client.namespaces().withName(ns).get().getMetadata().getLabels();
    assertTrue(
        labels == null || !labels.containsKey(ApiNames.HAS_POLICIES_LABEL), labels::toString);
    Path file = cluster.nodeRoot("n1").resolve("leastprivilege").resolve(ns).resolve("plain.json");
    assertTrue(Files.exists(file), "node files stay for the pods that use them: " + file);

    // Run again, as a second `helm uninstall` after a failed one would: nothing left to do.
    assertEquals(
        0,
        new Uninstall(
                client,
                new UninstallSettings(
                    Cluster.OPERATOR_NS,
                    "app.kubernetes.io/instance=lpo",
                    "",
                    "",
                    Duration.ofSeconds(30)),
                Clock.systemUTC())
            .run()
            .finalizersRemoved());

    // Deleting a profile finishes at once; the CRDs go once the other controller lets go of its
    // own.
    client.resources(SeccompProfile.class).inNamespace(ns).withName("plain").delete();
    await("plain deleted")
        .atMost(Duration.ofSeconds(10))
        .until(() -> cluster.profile(ns, "plain") == null);
    client
        .resources(SeccompProfile.class)
        .inNamespace(ns)
        .withName("shared")
        .edit(
            p -> {
              p.getMetadata().setFinalizers(List.of());
              return p;
            });
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("seccompprofiles.leastprivilege.dev")
        .delete();
    await("the CRD is deleted")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName("seccompprofiles.leastprivilege.dev")
                        .get()
                    == null);
  }

  private static String profile(String ns, String name, String extraMetadata) {
    return """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata:
          name: %s
          namespace: %s
        %sspec:
          defaultAction: SCMP_ACT_ALLOW
          syscalls: [{names: [chmod], action: SCMP_ACT_ERRNO, errnoRet: 1}]
        """
        .formatted(name, ns, extraMetadata);
  }
}
