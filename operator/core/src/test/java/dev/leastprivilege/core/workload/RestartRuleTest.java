package dev.leastprivilege.core.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.admission.ExemptNamespaces;
import dev.leastprivilege.core.workload.RestartRule.Decision;
import dev.leastprivilege.core.workload.RestartRule.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RestartRuleTest {
  private static final Map<String, String> WEB = Map.of("app", "web");

  @Test
  void twoObjectsSelectingOneWorkloadRestartItOnceNotAlternately() {
    List<RestartRequest> ns = List.of(profile("p", 1, "uid-p-1"), policy("c", 1, "uid-c-1"));
    String recorded = null;
    int restarts = 0;
    // Each reconciler reviews the workload again and again, in turns; the pods never change (the
    // webhook is down, or nothing replaces them).
    for (int round = 0; round < 5; round++) {
      for (RestartRequest reviewer : ns) {
        Decision d = RestartRule.decide(reviewer.kind(), reviewer.name(), deployment(recorded), ns);
        if (d.restart()) {
          restarts++;
          recorded = d.record();
        }
      }
    }
    assertEquals(1, restarts);
    assertEquals("CapabilityPolicy c@1/uid-c-1, SeccompProfile p@1/uid-p-1", recorded);
  }

  @Test
  void aChangeOfEitherObjectRestartsItOnceMore() {
    List<RestartRequest> before = List.of(profile("p", 1, "uid-p-1"), policy("c", 1, "uid-c-1"));
    String recorded = RestartRule.decide("SeccompProfile", "p", deployment(null), before).record();
    List<RestartRequest> after = List.of(profile("p", 1, "uid-p-1"), policy("c", 2, "uid-c-1"));
    Decision first = RestartRule.decide("SeccompProfile", "p", deployment(recorded), after);
    assertTrue(first.restart(), "a new generation of the policy is a change");
    assertFalse(
        RestartRule.decide("CapabilityPolicy", "c", deployment(first.record()), after).restart(),
        "the other object finds the new set recorded");
  }

  @Test
  void anObjectCreatedAgainUnderTheSameNameIsAChange() {
    String recorded =
        RestartRule.decide("SeccompProfile", "p", deployment(null), List.of(profile("p", 1, "a1")))
            .record();
    assertTrue(
        RestartRule.decide(
                "SeccompProfile", "p", deployment(recorded), List.of(profile("p", 1, "b2")))
            .restart());
  }

  @Test
  void auditObjectsNeitherRestartNorCount() {
    RestartRequest audit =
        RestartRequest.ofPolicy("audit", 1, "u", spec(Mode.Audit, true, selector(WEB)));
    assertFalse(audit.asks());
    assertFalse(
        RestartRule.decide("CapabilityPolicy", "audit", deployment(null), List.of(audit))
            .restart());
    assertEquals(
        "SeccompProfile p@1/uid-p-1",
        RestartRule.decide(
                "SeccompProfile", "p", deployment(null), List.of(profile("p", 1, "uid-p-1"), audit))
            .record(),
        "an Audit object is not one of those the workload is restarted for");
  }

  @Test
  void anObjectThatDoesNotAskIsNotRestartedForAndDoesNotRestart() {
    RestartRequest quiet = RestartRequest.ofPolicy("q", 1, "u", spec(Mode.Enforce, false, null));
    assertFalse(
        RestartRule.decide("CapabilityPolicy", "q", deployment(null), List.of(quiet)).restart());
  }

  @Test
  void onlyDeploymentsStatefulSetsAndDaemonSetsAreRestarted() {
    List<RestartRequest> ns = List.of(profile("p", 1, "u"));
    for (String kind : List.of("Pod", "ReplicaSet", "Job")) {
      assertFalse(
          RestartRule.decide(
                  "SeccompProfile", "p", new Workload(kind, WEB, Set.of("app"), null), ns)
              .restart(),
          kind);
    }
    for (String kind : List.of("Deployment", "StatefulSet", "DaemonSet")) {
      assertTrue(
          RestartRule.decide(
                  "SeccompProfile", "p", new Workload(kind, WEB, Set.of("app"), null), ns)
              .restart(),
          kind);
    }
  }

  @Test
  void anObjectThatDoesNotSelectTheTemplateDoesNotRestartIt() {
    RestartRequest other =
        RestartRequest.ofProfile(
            "db", 1, "u", profileSpec(Mode.Enforce, true, selector(Map.of("app", "db"))));
    assertFalse(
        RestartRule.decide("SeccompProfile", "db", deployment(null), List.of(other)).restart());
    RestartRequest otherContainer =
        new RestartRequest("CapabilityPolicy", "c", 1, "u", true, null, true, List.of("sidecar"));
    assertFalse(
        RestartRule.decide("CapabilityPolicy", "c", deployment(null), List.of(otherContainer))
            .restart(),
        "containerNames names no container of the template");
    RestartRequest noSelector =
        RestartRequest.ofProfile("base", 1, "u", profileSpec(Mode.Enforce, true, null));
    assertFalse(
        RestartRule.decide("SeccompProfile", "base", deployment(null), List.of(noSelector))
            .restart(),
        "a profile without a podSelector selects nothing");
  }

  @Test
  void theRecordIsBoundedHoweverManyObjectsAsk() {
    List<RestartRequest> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(profile("profile-with-a-long-name-" + "x".repeat(200) + i, 7, "uid-" + i));
    }
    String record =
        RestartRule.decide("SeccompProfile", many.get(0).name(), deployment(null), many).record();
    assertTrue(record.length() < 100, record);
    assertTrue(record.startsWith("200 objects, sha256:"), record);
    List<RestartRequest> changed = new ArrayList<>(many);
    changed.set(5, profile(many.get(5).name(), 8, "uid-5"));
    Decision again =
        RestartRule.decide("SeccompProfile", many.get(0).name(), deployment(record), changed);
    assertTrue(again.restart(), "a change is still seen in the digest");
    assertFalse(
        RestartRule.decide(
                "SeccompProfile", many.get(0).name(), deployment(again.record()), changed)
            .restart());
  }

  @Test
  void blockedSaysWhyAnAskingObjectRestartsNothing() {
    assertEquals(Optional.empty(), RestartRule.blocked(Mode.Enforce, true, true, false));
    assertEquals(Optional.empty(), RestartRule.blocked(Mode.Audit, false, false, true));
    assertEquals(
        Optional.of(RestartRule.AUDIT), RestartRule.blocked(Mode.Audit, true, true, false));
    assertEquals(
        "spec.restartNonCompliant: restarts are disabled in this installation: set"
            + " operator.restartWorkloads=true in the chart; this grants patch on every Deployment,"
            + " StatefulSet and DaemonSet",
        RestartRule.blocked(Mode.Enforce, true, false, false).orElseThrow());
    assertTrue(
        RestartRule.blocked(null, true, true, true)
            .orElseThrow()
            .contains("leastprivilege.dev/ignore=true"));
  }

  @Test
  void exemptNamespacesAreKubeSystemTheOperatorsOwnAndOptedOutOnes() {
    ExemptNamespaces exempt = new ExemptNamespaces("lpo-system");
    assertTrue(exempt.exempt("kube-system", Map.of()));
    assertTrue(exempt.exempt("lpo-system", Map.of()));
    assertTrue(exempt.exempt("team", Map.of("leastprivilege.dev/ignore", "true")));
    assertFalse(exempt.exempt("team", Map.of("leastprivilege.dev/ignore", "false")));
  }

  private static Workload deployment(String recorded) {
    return new Workload("Deployment", WEB, Set.of("app"), recorded);
  }

  private static RestartRequest profile(String name, long generation, String uid) {
    return RestartRequest.ofProfile(
        name, generation, uid, profileSpec(Mode.Enforce, true, selector(WEB)));
  }

  private static RestartRequest policy(String name, long generation, String uid) {
    return RestartRequest.ofPolicy(name, generation, uid, spec(Mode.Enforce, true, selector(WEB)));
  }

  private static PodSelector selector(Map<String, String> labels) {
    PodSelector s = new PodSelector();
    s.setMatchLabels(labels);
    return s;
  }

  private static SeccompProfileSpec profileSpec(Mode mode, boolean restart, PodSelector selector) {
    SeccompProfileSpec s = new SeccompProfileSpec();
    s.setMode(mode);
    s.setRestartNonCompliant(restart);
    s.setPodSelector(selector);
    return s;
  }

  private static CapabilityPolicySpec spec(Mode mode, boolean restart, PodSelector selector) {
    CapabilityPolicySpec s = new CapabilityPolicySpec();
    s.setMode(mode);
    s.setRestartNonCompliant(restart);
    s.setPodSelector(selector);
    return s;
  }
}
