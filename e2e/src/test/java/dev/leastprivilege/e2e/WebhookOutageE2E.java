package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The webhook down, as a platform team fears it: every Deployment of the release scaled to 0, with
 * the chart's default {@code failurePolicy: Fail}. The API server sends the webhook only the
 * namespaces that hold a SeccompProfile or a CapabilityPolicy (the label the operator maintains),
 * so a pod in any other namespace still starts, while a pod in a namespace with an Enforce policy
 * is refused rather than created without it. The release is scaled back and ready afterwards, so
 * the scenarios after this one find it as the chart installed it.
 */
@ExtendWith(Product.class)
class WebhookOutageE2E {
  private static final String FREE = "outage-no-policies";
  private static final String GUARDED = "outage-enforced";
  private static final String LABEL = "leastprivilege.dev/has-policies";

  private static Cluster cluster;
  private static TestPods pods;

  /** The release's Deployments and their replicas before the outage, to scale them back. */
  private static final Map<String, Integer> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void enforceInOneNamespaceThenTakeTheWebhookDown(Cluster installed) throws Exception {
    cluster = installed;
    pods = new TestPods(cluster.client);
    cluster.namespace(FREE, Map.of());
    cluster.namespace(GUARDED, Map.of());
    cluster.apply(
        cluster.load(
            CapabilityPolicy.class,
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: drop-all, namespace: %s}
        spec:
          mode: Enforce
          podSelector: {}
          drop: [ALL]
        """
                .formatted(GUARDED)));
    // Ready means the namespace carries the label, so its pods are sent to the webhook.
    cluster
        .client
        .resources(CapabilityPolicy.class)
        .inNamespace(GUARDED)
        .withName("drop-all")
        .waitUntilCondition(
            p ->
                p != null
                    && p.getStatus() != null
                    && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())),
            1,
            TimeUnit.MINUTES);
    assertEquals("true", label(GUARDED));
    assertFalse(label(FREE) != null, "a namespace without policies is not labelled");

    for (Deployment d : releaseDeployments()) {
      replicas.put(d.getMetadata().getName(), d.getSpec().getReplicas());
    }
    assertFalse(replicas.isEmpty(), "the release has Deployments");
    // Before scaling: an interrupted run still scales them back (@AfterAll).
    replicas.keySet().forEach(name -> scale(name, 0));
    for (Deployment d : releaseDeployments()) {
      cluster
          .client
          .pods()
          .inNamespace(Product.NAMESPACE)
          .withLabels(d.getSpec().getSelector().getMatchLabels())
          .informOnCondition(List::isEmpty)
          .get(3, TimeUnit.MINUTES);
    }
  }

  @AfterAll
  static void bringTheReleaseBack() {
    if (cluster == null) {
      return;
    }
    pods.delete(FREE, "starts");
    replicas.forEach(WebhookOutageE2E::scale);
    for (String name : replicas.keySet()) {
      cluster
          .client
          .apps()
          .deployments()
          .inNamespace(Product.NAMESPACE)
          .withName(name)
          .waitUntilCondition(
              d ->
                  d.getStatus() != null
                      && Objects.equals(d.getStatus().getReadyReplicas(), d.getSpec().getReplicas())
                      && Objects.equals(
                          d.getStatus().getUpdatedReplicas(), d.getSpec().getReplicas()),
              4,
              TimeUnit.MINUTES);
    }
    // The old leader's Lease runs out before a new replica takes it: wait, so later scenarios find
    // a leader among the running pods.
    cluster
        .client
        .leases()
        .inNamespace(Product.NAMESPACE)
        .withName("least-privilege-operator")
        .waitUntilCondition(WebhookOutageE2E::heldByARunningPod, 2, TimeUnit.MINUTES);
  }

  @Test
  void aPodInANamespaceWithoutPoliciesStarts() {
    Pod stored = pods.create(TestPods.pod(FREE, "starts", Map.of(), null, "sleep", "3600").build());
    Pod running =
        cluster
            .client
            .pods()
            .resource(stored)
            .waitUntilCondition(
                p -> p != null && "Running".equals(p.getStatus().getPhase()), 2, TimeUnit.MINUTES);
    assertEquals("Running", running.getStatus().getPhase());
  }

  @Test
  void aPodInANamespaceWithAnEnforcePolicyIsRefusedByTheApiServer() {
    KubernetesClientException refused =
        assertThrows(
            KubernetesClientException.class,
            () ->
                pods.create(
                    TestPods.pod(GUARDED, "refused", Map.of(), null, "sleep", "3600").build()));
    assertTrue(
        refused.getMessage().contains("failed calling webhook \"pods.leastprivilege.dev\""),
        refused.getMessage());
    assertTrue(
        cluster.client.pods().inNamespace(GUARDED).withName("refused").get() == null,
        "not created without its policy");
  }

  private static List<Deployment> releaseDeployments() {
    return cluster
        .client
        .apps()
        .deployments()
        .inNamespace(Product.NAMESPACE)
        .withLabel("app.kubernetes.io/instance", Product.RELEASE)
        .list()
        .getItems();
  }

  private static void scale(String deployment, int to) {
    cluster
        .client
        .apps()
        .deployments()
        .inNamespace(Product.NAMESPACE)
        .withName(deployment)
        .scale(to);
  }

  private static boolean heldByARunningPod(Lease lease) {
    String holder = lease == null ? null : lease.getSpec().getHolderIdentity();
    if (holder == null) {
      return false;
    }
    Pod pod = cluster.client.pods().inNamespace(Product.NAMESPACE).withName(holder).get();
    return pod != null && pod.getMetadata().getDeletionTimestamp() == null;
  }

  private static String label(String namespace) {
    var labels = cluster.client.namespaces().withName(namespace).get().getMetadata().getLabels();
    return labels == null ? null : labels.get(LABEL);
  }
}
