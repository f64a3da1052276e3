package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A profile's life on a real node: updated, broken, deleted while in use; and kube-system left
 * alone.
 */
@ExtendWith(Product.class)
class ProfileLifecycleE2E {
  private static final String NS = "lifecycle";
  private static Cluster cluster;
  private static TestPods pods;
  private static NodeFiles node;

  @BeforeAll
  static void readTheNode(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    node = new NodeFiles(cluster);
    cluster.namespace(NS, Map.of());
  }

  @Test
  void anUpdateReachesTheNodeFile_andAnInvalidOneNeverReplacesIt() {
    Resource<SeccompProfile> tuned = profiles().withName("tuned");
    cluster.apply(profile(NS, "tuned", null, "chmod"));
    cluster.awaitInstalled(NS, "tuned");
    String first = node.read("leastprivilege/lifecycle/tuned.json");
    assertNotNull(first, "the agent wrote the file");
    assertTrue(first.contains("\"chmod\"") && !first.contains("\"mkdir\""), first);

    cluster.apply(profile(NS, "tuned", null, "chmod", "mkdir"));
    cluster.awaitInstalled(NS, "tuned");
    String updated = node.read("leastprivilege/lifecycle/tuned.json");
    assertTrue(updated.contains("\"mkdir\""), updated);
    String goodHash = tuned.get().getStatus().getContentHash();

    cluster.apply(profile(NS, "tuned", null, "chmod", "mkdir", "notasyscall"));
    SeccompProfile refused =
        tuned.waitUntilCondition(
            p ->
                p.getStatus() != null
                    && p.getMetadata()
                        .getGeneration()
                        .equals(p.getStatus().getObservedGeneration()),
            1,
            TimeUnit.MINUTES);
    Condition ready =
        refused.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Ready"))
            .findFirst()
            .orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("InvalidSpec", ready.getReason());
    assertTrue(ready.getMessage().contains("notasyscall"), ready.getMessage());
    assertEquals(
        goodHash, refused.getStatus().getContentHash(), "status still names the good version");
    assertEquals(
        updated, node.read("leastprivilege/lifecycle/tuned.json"), "the node keeps the good file");
  }

  @Test
  void deletingAProfileInUseWaitsForItsPods() {
    cluster.apply(profile(NS, "held", "{matchLabels: {app: held}}", "chmod"));
    cluster.awaitInstalled(NS, "held");
    Pod user =
        pods.create(
            TestPods.pod(NS, "held-user", Map.of("app", "held"), null, "sleep", "3600").build());
    cluster.client.pods().resource(user).waitUntilReady(2, TimeUnit.MINUTES);

    profiles().withName("held").delete();
    SeccompProfile terminating =
        profiles()
            .withName("held")
            .waitUntilCondition(
                p ->
                    p != null
                        && p.getStatus() != null
                        && p.getStatus().getPhase() == ProfilePhase.Terminating,
                1,
                TimeUnit.MINUTES);
    assertNotNull(terminating.getMetadata().getDeletionTimestamp());
    assertTrue(
        terminating.getStatus().getActiveWorkloads().stream()
            .anyMatch(w -> w.contains("held-user")),
        terminating.getStatus().getActiveWorkloads()::toString);
    assertNotNull(node.read("leastprivilege/lifecycle/held.json"), "the running pod's file stays");

    pods.delete(NS, "held-user");
    profiles().withName("held").waitUntilCondition(p -> p == null, 2, TimeUnit.MINUTES);
    assertNull(
        node.read("leastprivilege/lifecycle/held.json"), "gone from the node once no pod uses it");
  }

  @Test
  void aPodInKubeSystemIsNeverTouched() {
    SeccompProfile profile = cluster.apply(profile("kube-system", "system-profile", "{}", "chmod"));
    CapabilityPolicy policy =
        cluster.apply(
            cluster.load(
                CapabilityPolicy.class,
                """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: system-policy, namespace: kube-system}
        spec:
          drop: [ALL]
        """));
    try {
      Pod stored =
          pods.create(
              TestPods.pod(
                      "kube-system",
                      "lpo-e2e-sys",
                      Map.of("app", "sys"),
                      null,
                      "sh",
                      "-c",
                      "touch /tmp/f && chmod 600 /tmp/f && chown 1000 /tmp/f")
                  .build());
      assertNull(stored.getSpec().getContainers().get(0).getSecurityContext());
      assertFalse(stored.getMetadata().getLabels().containsKey("leastprivilege.dev/uses-profiles"));
      assertEquals(
          0,
          pods.awaitOutcome(stored).exitCode(),
          "chmod and chown work: no profile, no dropped capability");
    } finally {
      pods.delete("kube-system", "lpo-e2e-sys");
      cluster.client.resource(policy).delete();
      cluster.client.resource(profile).delete();
    }
  }

  private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          SeccompProfile,
          io.fabric8.kubernetes.api.model.KubernetesResourceList<SeccompProfile>,
          Resource<SeccompProfile>>
      profiles() {
    return cluster.client.resources(SeccompProfile.class).inNamespace(NS);
  }

  /**
   * Allows everything but the given calls, which fail with EPERM; selects pods when podSelector is
   * given.
   */
  private static SeccompProfile profile(
      String namespace, String name, String podSelector, String... denied) {
    return cluster.load(
        SeccompProfile.class,
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          syscalls:
            - names: [%s]
              action: SCMP_ACT_ERRNO
              errnoRet: 1
        """
                .formatted(name, namespace, String.join(", ", denied))
            + (podSelector == null ? "" : "  podSelector: " + podSelector + "\n"));
  }
}
