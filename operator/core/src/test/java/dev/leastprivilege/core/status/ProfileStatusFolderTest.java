package dev.leastprivilege.core.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.NodeCounts;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.core.FieldError;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProfileStatusFolderTest {
  private static final String H = "sha256:aaa";
  private static final Set<String> NODES = Set.of("n1", "n2", "n3");

  private static SeccompProfileStatus fold(
      List<FieldError> errors,
      String hash,
      Set<String> nodes,
      Map<String, NodeReport> reports,
      List<String> pods,
      boolean deleting,
      SeccompProfileStatus previous) {
    return ProfileStatusFolder.fold(
        new ProfileStatusFolder.Input(
            3,
            errors,
            List.of("w"),
            "leastprivilege/a/b.json",
            hash,
            nodes,
            reports,
            pods,
            deleting,
            previous,
            "2026-11-24T00:00:00Z"));
  }

  private static Condition ready(SeccompProfileStatus s) {
    return s.getConditions().get(0);
  }

  @Test
  void installedEverywhereIsReady() {
    SeccompProfileStatus s =
        fold(
            List.of(),
            H,
            NODES,
            Map.of(
                "n1",
                NodeReport.installed("n1", H),
                "n2",
                NodeReport.installed("n2", H),
                "n3",
                NodeReport.installed("n3", H)),
            List.of(),
            false,
            null);
    assertEquals(ProfilePhase.Installed, s.getPhase());
    assertEquals(new NodeCounts(3, 3, 0), s.getNodes());
    assertEquals("3/3", s.getInstalledOn());
    assertEquals("True", ready(s).getStatus());
    assertEquals(3L, ready(s).getObservedGeneration());
    assertEquals(H, s.getContentHash());
  }

  @Test
  void anOldHashDoesNotCount() {
    SeccompProfileStatus s =
        fold(
            List.of(),
            H,
            NODES,
            Map.of(
                "n1",
                NodeReport.installed("n1", H),
                "n2",
                NodeReport.installed("n2", "sha256:old")),
            List.of(),
            false,
            null);
    assertEquals(ProfilePhase.Installing, s.getPhase());
    assertEquals("1/3", s.getInstalledOn());
    assertEquals("installed on 1 of 3 nodes", ready(s).getMessage());
  }

  @Test
  void someFailedSomeInstalledIsPartialAndNamesTheNode() {
    SeccompProfileStatus s =
        fold(
            List.of(),
            H,
            NODES,
            Map.of(
                "n1",
                NodeReport.installed("n1", H),
                "n2",
                NodeReport.installed("n2", H),
                "n3",
                NodeReport.failed("n3", H, "No space left on device")),
            List.of(),
            false,
            null);
    assertEquals(ProfilePhase.Partial, s.getPhase());
    assertEquals(new NodeCounts(3, 2, 1), s.getNodes());
    assertEquals("n3", s.getFailedNodes().get(0).getNode());
    assertEquals("failed on 1 of 3 nodes; n3: No space left on device", ready(s).getMessage());
  }

  @Test
  void allFailedIsFailed() {
    SeccompProfileStatus s =
        fold(
            List.of(),
            H,
            Set.of("n1"),
            Map.of("n1", NodeReport.failed("n1", H, "boom")),
            List.of(),
            false,
            null);
    assertEquals(ProfilePhase.Failed, s.getPhase());
  }

  @Test
  void invalidSpecSaysWhyAndThatNodesKeepTheLastGood() {
    SeccompProfileStatus s =
        fold(
            List.of(new FieldError("spec.syscalls[0].names[0]", "unknown syscall \"x\"")),
            H,
            NODES,
            Map.of(),
            List.of(),
            false,
            null);
    assertEquals(ProfilePhase.Failed, s.getPhase());
    assertEquals("InvalidSpec", ready(s).getReason());
    assertEquals(
        "spec.syscalls[0].names[0]: unknown syscall \"x\"; the nodes keep the last valid version",
        ready(s).getMessage());
  }

  @Test
  void noNodesIsPending() {
    assertEquals(
        ProfilePhase.Pending,
        fold(List.of(), H, Set.of(), Map.of(), List.of(), false, null).getPhase());
  }

  @Test
  void deletionBlockedByPodsNamesThem() {
    SeccompProfileStatus s =
        fold(List.of(), H, NODES, Map.of(), List.of("shop/web-2", "shop/web-1"), true, null);
    assertEquals(ProfilePhase.Terminating, s.getPhase());
    assertEquals(List.of("shop/web-1", "shop/web-2"), s.getActiveWorkloads());
    assertEquals("waiting for 2 pods that use it: shop/web-1, shop/web-2", ready(s).getMessage());
  }

  @Test
  void transitionTimeSurvivesWhenReadinessDoesNotChange() {
    SeccompProfileStatus before = fold(List.of(), H, Set.of(), Map.of(), List.of(), false, null);
    before.getConditions().get(0).setLastTransitionTime("2020-01-01T00:00:00Z");
    SeccompProfileStatus after =
        fold(List.of(), H, Set.of("n1"), Map.of(), List.of(), false, before);
    assertEquals("2020-01-01T00:00:00Z", ready(after).getLastTransitionTime(), "still not ready");
    SeccompProfileStatus done =
        fold(
            List.of(),
            H,
            Set.of("n1"),
            Map.of("n1", NodeReport.installed("n1", H)),
            List.of(),
            false,
            after);
    assertEquals("2026-11-24T00:00:00Z", ready(done).getLastTransitionTime());
    assertTrue(done.getFailedNodes().isEmpty());
  }
}
