package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.workloads.RunningPodReview;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * restartNonCompliant on a real kube-apiserver, with restarts enabled as the chart's {@code
 * operator.restartWorkloads=true} does. No webhook runs and no controller-manager replaces pods, so
 * a restarted Deployment's pods stay non-compliant forever: the case where restarting again would
 * loop. Each test reads the Deployment as a user would ({@code metadata.generation} counts the
 * changes of its template, the restarts among them) and the RolloutRestarted Events, after letting
 * both reconcilers review the pods several more times.
 */
class WorkloadRestartIT {
  private static final Duration T = Duration.ofSeconds(60);

  /** Reviews each reconciler makes after the last expected restart before the counts are read. */
  private static final int MORE_ROUNDS = 3;

  static final String PROFILES = "seccompprofile";
  static final String POLICIES = "capabilitypolicy";

  @RegisterExtension
  static final Cluster cluster = new Cluster().nodes("n1").operator().agents().restartWorkloads();

  static KubernetesClient client() {
    return cluster.client();
  }

  @Test
  void twoObjectsSelectingOneDeploymentRestartItOnceAndOnceMoreWhenOneChanges(
      @TestNamespace String ns) {
    legacyDeployment(cluster, ns, "web");
    cluster.apply(
        profile(ns, "web-profile", "Enforce") + "---\n" + policy(ns, "web-caps", "Enforce", "[]"));
    await()
        .atMost(T)
        .until(
            () ->
                cluster.profile(ns, "web-profile").getStatus() != null
                    && cluster.profile(ns, "web-profile").getStatus().getPhase()
                        == ProfilePhase.Installed);
    String both =
        "CapabilityPolicy web-caps@1/"
            + uid(policyNamed(ns, "web-caps"))
            + ", SeccompProfile web-profile@1/"
            + uid(cluster.profile(ns, "web-profile"));
    await()
        .atMost(T)
        .untilAsserted(() -> assertEquals(both, restartedFor(ns, "web"), "restarted for both"));
    moreRounds(cluster, PROFILES, POLICIES);
    assertEquals(2L, generation(ns, "web"), "the template changed once: one restart");
    assertEquals(1, restartEvents(ns), "one RolloutRestarted Event");
    assertEquals(both, restartedFor(ns, "web"));

    cluster.apply(policy(ns, "web-caps", "Enforce", "[NET_BIND_SERVICE]"));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    restartedFor(ns, "web").startsWith("CapabilityPolicy web-caps@2/"),
                    "restarted for the policy's new generation: " + restartedFor(ns, "web")));
    moreRounds(cluster, PROFILES, POLICIES);
    assertEquals(3L, generation(ns, "web"), "one more restart for the change, and no other");
    assertEquals(2, restartEvents(ns));
  }

  @Test
  void reviewsDecidingAtTheSameMomentRestartOnce(@TestNamespace String ns) throws Exception {
    // The operator's reconciler reviews the same policy meanwhile; what counts is the total.
    legacyDeployment(cluster, ns, "api");
    cluster.apply(policy(ns, "api-caps", "Enforce", "[]").replace("app: web", "app: api"));
    CapabilityPolicy policy = policyNamed(ns, "api-caps");
    // Eight reviews of the same policy at once, as the two reconcilers of a busy operator could.
    RunningPodReview review =
        new RunningPodReview(
            client(),
            new EventRecorder(client()),
            Duration.ofMinutes(1),
            true,
            Cluster.OPERATOR_NS);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  return review.ofPolicy(policy, true);
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    moreRounds(cluster, POLICIES);
    assertEquals(2L, generation(ns, "api"), "one restart");
    assertEquals(1, restartEvents(ns), "one RolloutRestarted Event");
  }

  @Test
  void anAuditPolicyNeverRestartsAndSaysWhy(@TestNamespace String ns) {
    legacyDeployment(cluster, ns, "web");
    cluster.apply(policy(ns, "watch", "Audit", "[]"));
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy p = policyNamed(ns, "watch");
              assertTrue(
                  p.getStatus() != null
                      && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods())
                      && p.getStatus()
                          .getWarnings()
                          .contains(
                              "spec.restartNonCompliant: ignored in Audit mode: an Audit object"
                                  + " never restarts workloads"),
                  () ->
                      "the status counts the pod and says why it is not restarted: "
                          + p.getStatus());
            });
    moreRounds(cluster, POLICIES);
    assertEquals(1L, generation(ns, "web"), "never patched");
    assertNull(restartedForOrNull(ns, "web"));
    assertEquals(0, restartEvents(ns));
  }

  @Test
  void anOptedOutNamespaceIsNeverPatched(@TestNamespace String ns) {
    client()
        .namespaces()
        .withName(ns)
        .edit(
            n ->
                new NamespaceBuilder(n)
                    .editMetadata()
                    .addToLabels("leastprivilege.dev/ignore", "true")
                    .endMetadata()
                    .build());
    legacyDeployment(cluster, ns, "web");
    cluster.apply(policy(ns, "web-caps", "Enforce", "[]"));
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy p = policyNamed(ns, "web-caps");
              assertTrue(
                  p.getStatus() != null
                      && p.getStatus().getWarnings().stream()
                          .anyMatch(w -> w.contains("nothing is restarted in this namespace")),
                  () -> "the status says why nothing is restarted: " + p.getStatus());
            });
    moreRounds(cluster, POLICIES);
    assertEquals(1L, generation(ns, "web"), "never patched");
    assertNull(restartedForOrNull(ns, "web"));
    assertEquals(0, restartEvents(ns));
  }

  /**
   * A Deployment with the ReplicaSet and running pod a controller-manager would make (none runs
   * here), created before any profile or policy, so the pod has no securityContext. The pod is
   * labelled app={@code name}; the Deployment starts at generation 1.
   */
  static void legacyDeployment(Cluster cluster, String ns, String name) {
    KubernetesClient client = cluster.client();
    HasMetadata d =
        create(
            client,
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: %1$s, namespace: %2$s}
            spec:
              selector: {matchLabels: {app: %1$s}}
              template:
                metadata: {labels: {app: %1$s}}
                spec: {containers: [{name: app, image: busybox}]}
            """
                .formatted(name, ns));
    HasMetadata rs =
        create(
            client,
            """
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata:
              name: %1$s-1
              namespace: %2$s
              ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: %1$s, uid: %3$s, controller: true}]
            spec:
              selector: {matchLabels: {app: %1$s}}
              template:
                metadata: {labels: {app: %1$s}}
                spec: {containers: [{name: app, image: busybox}]}
            """
                .formatted(name, ns, d.getMetadata().getUid()));
    create(
        client,
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %1$s-1-abc
          namespace: %2$s
          labels: {app: %1$s}
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: %1$s-1, uid: %3$s, controller: true}]
        spec: {containers: [{name: app, image: busybox}]}
        """
            .formatted(name, ns, rs.getMetadata().getUid()));
  }

  private static HasMetadata create(KubernetesClient client, String yaml) {
    return client
        .resource(client.getKubernetesSerialization().unmarshal(yaml, HasMetadata.class))
        .create();
  }

  static String profile(String ns, String name, String mode) {
    return """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          mode: %s
          defaultAction: SCMP_ACT_ALLOW
          podSelector: {matchLabels: {app: web}}
          restartNonCompliant: true
        """
        .formatted(name, ns, mode);
  }

  static String policy(String ns, String name, String mode, String add) {
    return """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          mode: %s
          podSelector: {matchLabels: {app: web}}
          add: %s
          restartNonCompliant: true
        """
        .formatted(name, ns, mode, add);
  }

  static CapabilityPolicy policyNamed(String ns, String name) {
    return client().resources(CapabilityPolicy.class).inNamespace(ns).withName(name).get();
  }

  private static String uid(HasMetadata o) {
    return o.getMetadata().getUid().substring(0, 8);
  }

  static long generation(String ns, String name) {
    return client()
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName(name)
        .get()
        .getMetadata()
        .getGeneration();
  }

  private static String restartedFor(String ns, String name) {
    return Optional.ofNullable(restartedForOrNull(ns, name)).orElse("");
  }

  static String restartedForOrNull(String ns, String name) {
    return restartedForOrNull(cluster, ns, name);
  }

  static String restartedForOrNull(Cluster cluster, String ns, String name) {
    Deployment d = cluster.client().apps().deployments().inNamespace(ns).withName(name).get();
    Map<String, String> a = d.getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? null : a.get("leastprivilege.dev/restarted-for");
  }

  static int restartEvents(String ns) {
    return (int)
        client().v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "RolloutRestarted".equals(e.getReason()))
            .count();
  }

  /**
   * Waits until each of these controllers (seccompprofile, capabilitypolicy) has reconciled {@link
   * #MORE_ROUNDS} more times: each of the test's objects has been reviewed again.
   */
  static void moreRounds(Cluster cluster, String... controllers) {
    Map<String, Double> before = new HashMap<>();
    for (String c : controllers) {
      before.put(c, reconciles(cluster, c));
    }
    await()
        .atMost(T)
        .until(
            () ->
                before.entrySet().stream()
                    .allMatch(e -> reconciles(cluster, e.getKey()) >= e.getValue() + MORE_ROUNDS));
  }

  /** How many reconciles a controller has finished, by the operator's own metrics. */
  private static double reconciles(Cluster cluster, String controller) {
    return cluster
        .registry
        .scrape()
        .lines()
        .filter(
            l ->
                l.startsWith("operator_sdk_controllers_execution_reconcile_seconds_count{")
                    && l.contains("controller=\"" + controller + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
