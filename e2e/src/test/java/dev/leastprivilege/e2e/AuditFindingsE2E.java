package dev.leastprivilege.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "Watch before you block": with the recorder on, an Audit SeccompProfile's status shows what it
 * would have refused, and an Audit CapabilityPolicy's what the container used beyond what it would
 * keep, with pod and container, within a minute. No recording and no namespace opt-in are needed:
 * Audit only reports.
 */
@ExtendWith(Product.class)
class AuditFindingsE2E {
  private static final String NS = "audit";
  private static final Set<String> CHMOD_CALLS = Set.of("chmod", "fchmodat", "fchmodat2");
  private static final String CHMOD = "touch /tmp/f && chmod 600 /tmp/f && stat -c %a /tmp/f";
  private static final Duration WITHIN_A_MINUTE = Duration.ofMinutes(1);
  private static Cluster cluster;
  private static TestPods pods;

  @BeforeAll
  static void auditProfiles(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    cluster.namespace(NS, Map.of());
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: SeccompProfile
            metadata: {name: audit-chmod, namespace: audit}
            spec:
              defaultAction: SCMP_ACT_ALLOW
              mode: Audit
              syscalls:
                - names: [chmod, fchmod, fchmodat, fchmodat2]
                  action: SCMP_ACT_ERRNO
                  errnoRet: 1
              podSelector: {matchLabels: {app: audited}}
            """));
    cluster.apply(
        cluster.load(
            CapabilityPolicy.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: CapabilityPolicy
            metadata: {name: audit-drop-all, namespace: audit}
            spec:
              mode: Audit
              drop: [ALL]
              podSelector: {matchLabels: {app: audited-caps}}
            """));
    cluster.awaitInstalled(NS, "audit-chmod");
  }

  @Test
  void anAuditProfileShowsTheChmodItWouldRefuse_andEnforcedRefusesIt() {
    Pod audited =
        pods.create(
            TestPods.pod(NS, "chmod-audited", Map.of("app", "audited"), null, "sh", "-c", CHMOD)
                .build());
    TestPods.Outcome allowed = pods.awaitOutcome(audited);
    assertEquals("600\n", allowed.logs(), "Audit only logs: " + allowed);

    AuditFinding finding =
        awaitFinding(
            SeccompProfile.class,
            "audit-chmod",
            p -> p.getStatus() == null ? List.of() : p.getStatus().getAuditFindings(),
            f -> "chmod-audited".equals(f.getPod()) && CHMOD_CALLS.contains(f.getSyscall()));
    assertEquals("main", finding.getContainer());
    assertTrue(finding.getCount() >= 1, finding::toString);
    assertNotNull(finding.getLastSeen());

    cluster
        .client
        .resources(SeccompProfile.class)
        .inNamespace(NS)
        .withName("audit-chmod")
        .edit(
            p -> {
              p.getSpec().setMode(Mode.Enforce);
              return p;
            });
    cluster.awaitInstalled(NS, "audit-chmod");
    TestPods.Outcome enforced =
        pods.run(
            TestPods.pod(NS, "chmod-enforced", Map.of("app", "audited"), null, "sh", "-c", CHMOD)
                .build());
    assertEquals(1, enforced.exitCode(), enforced::toString);
    assertTrue(enforced.logs().contains("Operation not permitted"), enforced::toString);
  }

  @Test
  void anAuditPolicyShowsTheCapabilityItWouldNotKeep() {
    Pod root =
        pods.create(
            TestPods.pod(
                    NS,
                    "chown-audited",
                    Map.of("app", "audited-caps"),
                    new SecurityContextBuilder().withRunAsUser(0L).build(),
                    "sh",
                    "-c",
                    "touch /tmp/f && chown 1000 /tmp/f")
                .build());
    assertEquals(0, pods.awaitOutcome(root).exitCode(), "Audit changes no capability");
    AuditFinding finding =
        awaitFinding(
            CapabilityPolicy.class,
            "audit-drop-all",
            p -> p.getStatus() == null ? List.of() : p.getStatus().getAuditFindings(),
            f ->
                "chown-audited".equals(f.getPod())
                    && f.getCapability() != null
                    && Recordings.capabilities(List.of(f.getCapability())).equals(Set.of("CHOWN")));
    assertEquals("main", finding.getContainer());
  }

  private static <T extends HasMetadata> AuditFinding awaitFinding(
      Class<T> type,
      String name,
      Function<T, List<AuditFinding>> findings,
      java.util.function.Predicate<AuditFinding> wanted) {
    var resource = cluster.client.resources(type).inNamespace(NS).withName(name);
    try {
      return await()
          .atMost(WITHIN_A_MINUTE)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> findings.apply(resource.get()).stream().filter(wanted).findFirst(),
              java.util.Optional::isPresent)
          .orElseThrow();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "no such finding within a minute on "
              + type.getSimpleName()
              + " "
              + name
              + ":\n"
              + Serialization.asYaml(resource.get())
              + new Recordings(cluster).explain(null),
          e);
    }
  }
}
