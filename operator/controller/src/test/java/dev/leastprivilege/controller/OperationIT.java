package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Running the operator for real: capability policies, leader election, health and metrics. */
class OperationIT {
  private static final Duration T = Duration.ofSeconds(45);
  static RealApiServer api;
  static KubernetesClient client;
  static Cluster cluster;
  @TempDir
  static Path roots;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.start();
    client = api.client();
    cluster = new Cluster(client);
    cluster.namespace(Cluster.OPERATOR_NS);
    cluster.namespace("apps");
    cluster.node("n1");
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static void apply(String yaml) {
    client.resource(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class))
        .serverSideApply();
  }

  static void pod(String name, Map<String, String> labels, List<String> drop, List<String> add) {
    client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("apps").withLabels(labels)
        .endMetadata().withNewSpec().addNewContainer().withName("app").withImage("busybox")
          .withNewSecurityContext().withNewCapabilities().withDrop(drop).withAdd(add).endCapabilities()
          .endSecurityContext().endContainer().endSpec().build()).create();
  }

  @Test
  void capabilityPolicyCountsMatchedAndNonCompliantPods() {
    pod("good", Map.of("app", "web"), List.of("ALL"), List.of("NET_BIND_SERVICE"));
    pod("greedy", Map.of("app", "web"), List.of("ALL"), List.of("SYS_ADMIN"));
    pod("other", Map.of("app", "db"), List.of(), List.of());
    Operator operator = cluster.startOperator();
    try {
      apply("""
          apiVersion: leastprivilege.dev/v1alpha1
          kind: CapabilityPolicy
          metadata: {name: web, namespace: apps}
          spec:
            podSelector: {matchLabels: {app: web}}
            drop: [ALL]
            add: [NET_BIND_SERVICE]
          """);
      apply("""
          apiVersion: leastprivilege.dev/v1alpha1
          kind: CapabilityPolicy
          metadata: {name: typo, namespace: apps}
          spec:
            add: [NET_BIND]
          """);
      Await.until(T, () -> {
        CapabilityPolicy p = client.resources(CapabilityPolicy.class).inNamespace("apps").withName("web").get();
        return p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().getMatchedPods())
            && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods());
      }, () -> String.valueOf(client.resources(CapabilityPolicy.class).inNamespace("apps").withName("web").get()));
      Await.until(T, () -> {
        CapabilityPolicy p = client.resources(CapabilityPolicy.class).inNamespace("apps").withName("typo").get();
        return p.getStatus() != null && p.getStatus().getConditions().get(0).getMessage()
            .equals("spec.add[0]: unknown capability \"NET_BIND\"; expected a Linux capability such as"
                + " NET_BIND_SERVICE or CAP_CHOWN, or ALL. Until it is fixed, pods it selects keep being patched with"
                + " its drop list (ALL if a name in drop is unknown), and unknown names in add or allowed grant"
                + " nothing");
      }, () -> "typo status");
    } finally {
      operator.stop();
    }
  }

  @Test
  void twoReplicasElectOneLeaderAndTheOtherTakesOver() throws Exception {
    LeastPrivilegeOperator a = LeastPrivilegeOperator.builder(api.client(), new OperatorSettings(Cluster.OPERATOR_NS,
        true, false, "replica-a", false)).build();
    LeastPrivilegeOperator b = LeastPrivilegeOperator.builder(api.client(), new OperatorSettings(Cluster.OPERATOR_NS,
        true, false, "replica-b", false)).build();
    a.start();
    Await.until(T, () -> lease() != null && lease().getSpec().getHolderIdentity() != null, () -> "no leader");
    String first = lease().getSpec().getHolderIdentity();
    assertEquals("replica-a", first);
    b.start();
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: led, namespace: apps}
        spec: {defaultAction: SCMP_ACT_ALLOW}
        """);
    Await.until(T, () -> client.resources(SeccompProfile.class).inNamespace("apps").withName("led").get()
        .getStatus() != null, () -> "the leader did not reconcile");
    assertEquals(first, lease().getSpec().getHolderIdentity(), "one leader at a time");

    a.close();
    Await.until(Duration.ofSeconds(60), () -> "replica-b".equals(lease().getSpec().getHolderIdentity()),
        () -> "no takeover: " + lease().getSpec());
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: led-by-b, namespace: apps}
        spec: {defaultAction: SCMP_ACT_ALLOW}
        """);
    Await.until(T, () -> client.resources(SeccompProfile.class).inNamespace("apps").withName("led-by-b").get()
        .getStatus() != null, () -> "the new leader did not reconcile");
    b.close();
  }

  static Lease lease() {
    return client.resources(Lease.class).inNamespace(Cluster.OPERATOR_NS).withName(OperatorSettings.LEASE_NAME).get();
  }

  @Test
  void healthReadinessAndMetricsAreServed() throws Exception {
    // OperatorMain's assembly, from the environment the chart sets, with free ports and no leader election.
    Map<String, String> env = Map.of("LPO_NAMESPACE", Cluster.OPERATOR_NS, "LPO_LEADER_ELECTION", "false",
        "HEALTH_PORT", "0", "LPO_WEBHOOK_PORT", "0", "LPO_WEBHOOK_IPS", "127.0.0.1");
    try (LeastPrivilegeOperator operator = LeastPrivilegeOperator.fromEnvironment(client, env).build().start();
         var agent = cluster.startAgent("n1", roots.resolve("n1"))) {
      apply("""
          apiVersion: leastprivilege.dev/v1alpha1
          kind: SeccompProfile
          metadata: {name: measured, namespace: apps}
          spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}
          """);
      Await.until(T, () -> {
        SeccompProfile p = client.resources(SeccompProfile.class).inNamespace("apps").withName("measured").get();
        return p.getStatus() != null && "Installed".equals(String.valueOf(p.getStatus().getPhase()));
      }, () -> "not installed");
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + operator.healthPort().orElseThrow();
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      Await.until(T, () -> count(scrape(http, base), "lpo_profile_rollout_seconds_count") >= 1,
          () -> scrape(http, base));
      String metrics = scrape(http, base);
      assertTrue(metrics.contains("lpo_profile_rollout_seconds_bucket{le="), "a histogram, not only counters");
      assertTrue(count(metrics, "operator_sdk_reconciliations_started_total") >= 1, "reconcile counts");
      assertTrue(metrics.contains("operator_sdk_controllers_execution_reconcile_seconds_bucket{controller=\"seccompprofile\""),
          "reconcile durations");
    }
  }

  /** The sum of a metric's samples over all its labels. */
  private static double count(String metrics, String name) {
    return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static String scrape(HttpClient http, String base) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
