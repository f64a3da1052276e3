package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.controller.seccomp.ProfileDeletion.Stage;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProfileDeletionTest {
  private static final Instant DELETED = Instant.parse("2024-01-01T00:00:00Z");

  @Test
  void aProfileInUseWaitsForItsPodsHoweverLongItTakes() {
    assertEquals(
        Stage.WAIT_FOR_PODS,
        ProfileDeletion.stage(true, true, DELETED, DELETED.plusSeconds(86_400)));
  }

  @Test
  void thenItWaitsForTheNodesWithinTheGrace() {
    Instant justBefore = DELETED.plus(ProfileDeletion.REMOVAL_GRACE).minusSeconds(1);
    assertEquals(Stage.WAIT_FOR_NODES, ProfileDeletion.stage(false, true, DELETED, justBefore));
    assertEquals(Stage.REMOVE, ProfileDeletion.stage(false, false, DELETED, justBefore));
    assertFalse(ProfileDeletion.gaveUpOnNodes(Stage.REMOVE, false), "every node confirmed");
  }

  @Test
  void aNodeThatNeverConfirmsDoesNotHoldTheDeletionPastTheGrace() {
    Instant after = DELETED.plus(ProfileDeletion.REMOVAL_GRACE);
    assertEquals(Stage.REMOVE, ProfileDeletion.stage(false, true, DELETED, after));
    assertTrue(ProfileDeletion.gaveUpOnNodes(Stage.REMOVE, true));
  }
}
