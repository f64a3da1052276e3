package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * restartNonCompliant in an installation that has not enabled restarts (the chart's default, {@code
 * operator.restartWorkloads=false}, which grants no RBAC on Deployments, StatefulSets or
 * DaemonSets): the operator never calls the API for a workload, and the policy's status and Event
 * say what to set and what it grants. The API server's own request counts prove the first.
 */
class RestartsDisabledIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final String DISABLED =
      "spec.restartNonCompliant: restarts are disabled in this installation: set"
          + " operator.restartWorkloads=true in the chart; this grants patch on every Deployment,"
          + " StatefulSet and DaemonSet";

  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1").operator();

  @Test
  void noWorkloadIsReadOrPatchedAndTheStatusAndEventSayWhy(@TestNamespace String ns) {
    WorkloadRestartIT.legacyDeployment(cluster, ns, "web");
    double before = appsRequests();
    cluster.apply(WorkloadRestartIT.policy(ns, "web-caps", "Enforce", "[]"));
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy p =
                  cluster
                      .client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("web-caps")
                      .get();
              assertTrue(
                  p.getStatus() != null
                      && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods())
                      && p.getStatus().getWarnings().contains(DISABLED),
                  () -> "the status says restarts are disabled: " + p.getStatus());
            });
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(
                            e ->
                                "NonCompliantPods".equals(e.getReason())
                                    && e.getMessage().contains("Deployment web")
                                    && e.getMessage().contains("Not restarted: " + DISABLED)),
                    "the Event names the Deployment and says why it was not restarted"));
    WorkloadRestartIT.moreRounds(cluster, WorkloadRestartIT.POLICIES);
    assertEquals(
        0.0,
        appsRequests() - before,
        "the operator made no request for a Deployment, StatefulSet or DaemonSet");
    assertEquals(
        1L,
        cluster
            .client()
            .apps()
            .deployments()
            .inNamespace(ns)
            .withName("web")
            .get()
            .getMetadata()
            .getGeneration());
    assertNull(WorkloadRestartIT.restartedForOrNull(cluster, ns, "web"));
  }

  /**
   * Requests the API server has served for Deployments, StatefulSets and DaemonSets, any verb, by
   * its own {@code apiserver_request_total}. Only the operator talks to it in the meantime.
   */
  private double appsRequests() {
    return cluster
        .client()
        .raw("/metrics")
        .lines()
        .filter(
            l ->
                l.startsWith("apiserver_request_total{")
                    && l.contains("group=\"apps\"")
                    && (l.contains("resource=\"deployments\"")
                        || l.contains("resource=\"statefulsets\"")
                        || l.contains("resource=\"daemonsets\"")))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
