package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Argo CD health checks that docs/gitops.md offers, run on objects as the operator left them in
 * the cluster: a check that says Healthy too early, or never, would make every sync lie.
 */
@ExtendWith(Product.class)
class GitOpsHealthE2E {
  private static final String NS = "gitops";
  private static Cluster cluster;
  private final ArgoHealthCheck profileHealth = new ArgoHealthCheck("SeccompProfile");
  private final ArgoHealthCheck policyHealth = new ArgoHealthCheck("CapabilityPolicy");

  @BeforeAll
  static void namespace(Cluster installed) {
    cluster = installed;
    cluster.namespace(NS, Map.of());
  }

  @Test
  void aProfileIsHealthyOnceOnEveryNodeAndDegradedWhenInvalid() {
    SeccompProfile fresh =
        apply(SeccompProfile.class, "good", "spec: {defaultAction: SCMP_ACT_ALLOW}");
    fresh.setStatus(null);
    assertEquals(
        "Progressing",
        profileHealth.of(fresh).status(),
        "no status yet: the operator has not seen it");

    cluster.awaitInstalled(NS, "good");
    SeccompProfile installed =
        cluster.client.resources(SeccompProfile.class).inNamespace(NS).withName("good").get();
    ArgoHealthCheck.Health healthy = profileHealth.of(installed);
    assertEquals("Healthy", healthy.status(), healthy::toString);
    assertTrue(healthy.message().startsWith("Installed"), healthy::toString);

    apply(
        SeccompProfile.class,
        "broken",
        "spec: {defaultAction: SCMP_ACT_ALLOW, syscalls: [{names: [notasyscall],"
            + " action: SCMP_ACT_ERRNO}]}");
    SeccompProfile broken = awaitObserved(SeccompProfile.class, "broken");
    ArgoHealthCheck.Health health = profileHealth.of(broken);
    assertEquals("Degraded", health.status(), health::toString);
    assertTrue(health.message().contains("unknown syscall \"notasyscall\""), health::toString);
  }

  @Test
  void aPolicyIsHealthyWhenReadyAndDegradedWhenInvalid() {
    apply(CapabilityPolicy.class, "good", "spec: {drop: [ALL]}");
    assertEquals(
        "Healthy", policyHealth.of(awaitObserved(CapabilityPolicy.class, "good")).status());

    apply(CapabilityPolicy.class, "broken", "spec: {add: [NET_BIND]}");
    ArgoHealthCheck.Health health =
        policyHealth.of(awaitObserved(CapabilityPolicy.class, "broken"));
    assertEquals("Degraded", health.status(), health::toString);
    assertTrue(health.message().contains("unknown capability \"NET_BIND\""), health::toString);
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T apply(
      Class<T> type, String name, String spec) {
    return cluster.apply(
        cluster.load(
            type,
            "apiVersion: leastprivilege.dev/v1alpha1\nkind: "
                + type.getSimpleName()
                + "\nmetadata: {name: "
                + name
                + ", namespace: "
                + NS
                + "}\n"
                + spec
                + "\n"));
  }

  /** Waits until the status describes the current generation, whatever it says. */
  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T awaitObserved(
      Class<T> type, String name) {
    return cluster
        .client
        .resources(type)
        .inNamespace(NS)
        .withName(name)
        .waitUntilCondition(
            o -> {
              if (o == null) {
                return false;
              }
              long observed =
                  new com.fasterxml.jackson.databind.ObjectMapper()
                      .valueToTree(o)
                      .path("status")
                      .path("observedGeneration")
                      .asLong(-1);
              return o.getMetadata().getGeneration() == observed;
            },
            1,
            TimeUnit.MINUTES);
  }
}
