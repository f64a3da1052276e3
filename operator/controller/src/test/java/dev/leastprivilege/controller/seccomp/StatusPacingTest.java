package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusPacingTest {
  private static final Instant T0 = Instant.parse("2026-11-29T21:00:00Z");

  private static SeccompProfile profile(SeccompProfileStatus current) {
    SeccompProfile p = new SeccompProfile();
    p.setMetadata(new ObjectMetaBuilder().withName("web").withUid("u1").build());
    p.setStatus(current);
    return p;
  }

  private static SeccompProfileStatus status(ProfilePhase phase) {
    return status(phase, 1, "sha256:a");
  }

  private static SeccompProfileStatus status(ProfilePhase phase, long generation, String hash) {
    SeccompProfileStatus s = new SeccompProfileStatus();
    s.setPhase(phase);
    s.setObservedGeneration(generation);
    s.setContentHash(hash);
    return s;
  }

  @Test
  void progressWhileInstallingIsWrittenAtMostEveryInterval() {
    StatusPacing pacing = new StatusPacing();
    SeccompProfile installing = profile(status(ProfilePhase.Installing));
    SeccompProfileStatus more = status(ProfilePhase.Installing);
    assertEquals(Optional.empty(), pacing.hold(installing, more, T0), "first progress: at once");
    assertEquals(
        Optional.of(Duration.ofMillis(700)),
        pacing.hold(installing, more, T0.plus(Duration.ofMillis(300))));
    assertEquals(
        Optional.empty(), pacing.hold(installing, more, T0.plus(StatusPacing.PROGRESS_INTERVAL)));
    assertEquals(
        Optional.empty(),
        pacing.hold(
            installing,
            status(ProfilePhase.Installing, 2, "sha256:b"),
            T0.plus(Duration.ofMillis(1100))),
        "a new generation shows at once");
    assertEquals(
        Optional.empty(),
        pacing.hold(installing, status(ProfilePhase.Installed), T0.plus(Duration.ofMillis(1200))),
        "so does the end");
  }

  @Test
  void aNewProfilesInstallingStatusWaitsAtMostTheWindow() {
    StatusPacing delay = new StatusPacing();
    SeccompProfile fresh = profile(null);
    SeccompProfileStatus installing = status(ProfilePhase.Installing);
    assertEquals(Optional.of(StatusPacing.FIRST_WINDOW), delay.hold(fresh, installing, T0));
    assertEquals(
        Optional.of(Duration.ofMillis(500)),
        delay.hold(fresh, installing, T0.plus(Duration.ofMillis(1500))),
        "the window counts from the first time it held the status back");
    assertEquals(
        Optional.empty(), delay.hold(fresh, installing, T0.plus(StatusPacing.FIRST_WINDOW)));
  }

  @Test
  void everythingElseIsWrittenAtOnce() {
    StatusPacing delay = new StatusPacing();
    assertEquals(Optional.empty(), delay.hold(profile(null), status(ProfilePhase.Installed), T0));
    assertEquals(Optional.empty(), delay.hold(profile(null), status(ProfilePhase.Failed), T0));
    assertEquals(Optional.empty(), delay.hold(profile(null), status(ProfilePhase.Pending), T0));
    assertEquals(
        Optional.empty(),
        delay.hold(profile(status(ProfilePhase.Installed)), status(ProfilePhase.Installing), T0),
        "a profile that has a status (an update) shows Installing at once");
  }
}
