package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Running the operator for real: capability policies, leader election, health and metrics. */
class OperationIT {
  private static final Duration T = Duration.ofSeconds(45);

  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1");

  static KubernetesClient client() {
    return cluster.client();
  }

  static void pod(
      String ns, String name, Map<String, String> labels, List<String> drop, List<String> add) {
    client()
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("busybox")
                .withNewSecurityContext()
                .withNewCapabilities()
                .withDrop(drop)
                .withAdd(add)
                .endCapabilities()
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  static CapabilityPolicy policy(String ns, String name) {
    return client().resources(CapabilityPolicy.class).inNamespace(ns).withName(name).get();
  }

  static SeccompProfile profile(String ns, String name) {
    return cluster.profile(ns, name);
  }

  @Test
  void capabilityPolicyCountsMatchedAndNonCompliantPods(@TestNamespace String ns) {
    pod(ns, "good", Map.of("app", "web"), List.of("ALL"), List.of("NET_BIND_SERVICE"));
    pod(ns, "greedy", Map.of("app", "web"), List.of("ALL"), List.of("SYS_ADMIN"));
    pod(ns, "other", Map.of("app", "db"), List.of(), List.of());
    Operator operator = cluster.startOperator();
    try {
      cluster.apply(
          """
          apiVersion: leastprivilege.dev/v1alpha1
          kind: CapabilityPolicy
          metadata: {name: web, namespace: %s}
          spec:
            podSelector: {matchLabels: {app: web}}
            drop: [ALL]
            add: [NET_BIND_SERVICE]
          ---
          apiVersion: leastprivilege.dev/v1alpha1
          kind: CapabilityPolicy
          metadata: {name: typo, namespace: %1$s}
          spec:
            add: [NET_BIND]
          """
              .formatted(ns));
      await()
          .atMost(T)
          .untilAsserted(
              () -> {
                CapabilityPolicy p = policy(ns, "web");
                assertTrue(
                    p.getStatus() != null
                        && Integer.valueOf(2).equals(p.getStatus().getMatchedPods())
                        && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods()),
                    () -> String.valueOf(p));
              });
      await()
          .atMost(T)
          .untilAsserted(
              () -> {
                CapabilityPolicy p = policy(ns, "typo");
                assertTrue(
                    p.getStatus() != null && !p.getStatus().getConditions().isEmpty(),
                    () -> "typo status: " + p);
                assertEquals(
                    "spec.add[0]: unknown capability \"NET_BIND\"; expected a Linux capability such as"
                        + " NET_BIND_SERVICE or CAP_CHOWN, or ALL. Until it is fixed, pods it selects keep being patched with"
                        + " its drop list (ALL if a name in drop is unknown), and unknown names in add or allowed grant"
                        + " nothing",
                    p.getStatus().getConditions().get(0).getMessage());
              });
    } finally {
      operator.stop();
    }
  }

  @Test
  void twoReplicasElectOneLeaderAndTheOtherTakesOver(@TestNamespace String ns) throws Exception {
    KubernetesClient clientA = cluster.closeAfterTest(cluster.api().client());
    KubernetesClient clientB = cluster.closeAfterTest(cluster.api().client());
    // Two replicas as OperatorMain assembles them, each with its own client, as in its own pod.
    LeastPrivilegeOperator a =
        cluster.closeAfterTest(
            LeastPrivilegeOperator.builder(
                    clientA,
                    new OperatorSettings(Cluster.OPERATOR_NS, true, false, "replica-a", false))
                .build());
    LeastPrivilegeOperator b =
        cluster.closeAfterTest(
            LeastPrivilegeOperator.builder(
                    clientB,
                    new OperatorSettings(Cluster.OPERATOR_NS, true, false, "replica-b", false))
                .build());
    a.start();
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    lease() != null && lease().getSpec().getHolderIdentity() != null, "no leader"));
    String first = lease().getSpec().getHolderIdentity();
    assertEquals("replica-a", first);
    b.start();
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: led, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ALLOW}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(profile(ns, "led").getStatus() != null, "the leader did not reconcile"));
    assertEquals(first, lease().getSpec().getHolderIdentity(), "one leader at a time");

    a.close();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertEquals(
                    "replica-b",
                    lease().getSpec().getHolderIdentity(),
                    () -> "no takeover: " + lease().getSpec()));
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: led-by-b, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ALLOW}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    profile(ns, "led-by-b").getStatus() != null,
                    "the new leader did not reconcile"));
    b.close();
  }

  static Lease lease() {
    return client()
        .resources(Lease.class)
        .inNamespace(Cluster.OPERATOR_NS)
        .withName(OperatorSettings.LEASE_NAME)
        .get();
  }

  @Test
  void healthReadinessAndMetricsAreServed(@TestNamespace String ns) throws Exception {
    // OperatorMain's assembly, from the environment the chart sets, with free ports and no leader
    // election.
    Map<String, String> env =
        Map.of(
            "LPO_NAMESPACE",
            Cluster.OPERATOR_NS,
            "LPO_LEADER_ELECTION",
            "false",
            "HEALTH_PORT",
            "0");
    try (LeastPrivilegeOperator operator =
            LeastPrivilegeOperator.fromEnvironment(client(), env).build().start();
        var agent = cluster.startAgent("n1", cluster.nodeRoot("n1"))) {
      cluster.apply(
          """
          apiVersion: leastprivilege.dev/v1alpha1
          kind: SeccompProfile
          metadata: {name: measured, namespace: %s}
          spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}
          """
              .formatted(ns));
      await()
          .atMost(T)
          .untilAsserted(
              () -> {
                SeccompProfile p = profile(ns, "measured");
                assertTrue(
                    p.getStatus() != null
                        && "Installed".equals(String.valueOf(p.getStatus().getPhase())),
                    () -> "not installed: " + p.getStatus());
              });
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + operator.healthPort().orElseThrow();
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      assertEquals(
          200,
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      await()
          .atMost(T)
          .untilAsserted(
              () -> {
                String metrics = scrape(http, base);
                assertTrue(count(metrics, "lpo_profile_rollout_seconds_count") >= 1, metrics);
              });
      String metrics = scrape(http, base);
      assertTrue(
          metrics.contains("lpo_profile_rollout_seconds_bucket{le="),
          "a histogram, not only counters");
      assertTrue(
          count(metrics, "operator_sdk_reconciliations_started_total") >= 1, "reconcile counts");
      assertTrue(
          metrics.contains(
              "operator_sdk_controllers_execution_reconcile_seconds_bucket{controller=\"seccompprofile\""),
          () ->
              "reconcile durations: "
                  + metrics
                      .lines()
                      .filter(l -> l.contains("execution_reconcile"))
                      .limit(20)
                      .toList());
    }
  }

  /** The sum of a metric's samples over all its labels. */
  private static double count(String metrics, String name) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static String scrape(HttpClient http, String base) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
