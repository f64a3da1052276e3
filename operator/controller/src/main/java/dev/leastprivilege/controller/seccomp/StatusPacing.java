package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How often an {@code Installing} status is written: the one status that only reports progress.
 *
 * <ul>
 *   <li>A new profile's first status waits up to {@link #FIRST_WINDOW} for its nodes, so that a
 *       profile that installs at once costs one status write ({@code Installed}) instead of two
 *       ({@code Installing 0/N}, then {@code Installed}). When a thousand profiles arrive together,
 *       that is a thousand writes fewer while the API server is busiest.
 *   <li>While a profile stays {@code Installing} the same content, its node counts are written at
 *       most every {@link #PROGRESS_INTERVAL}: on a fleet of thousands of nodes each report would
 *       otherwise be a status write of its own.
 * </ul>
 *
 * Every other status (installed, failed, invalid, a new generation's first {@code Installing},
 * deletion) is written at once. Holding a progress count back for a moment tells nothing false.
 */
final class StatusPacing {
  static final Duration FIRST_WINDOW = Duration.ofSeconds(2);
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  /** When each new profile's first status was first held back, by uid. */
  private final Map<String, Instant> firstHeld = new ConcurrentHashMap<>();

  /** When each installing profile's status was last written, by uid. */
  private final Map<String, Instant> lastWritten = new ConcurrentHashMap<>();

  /** How much longer to hold this status back, or empty to write it now. */
  Optional<Duration> hold(SeccompProfile profile, SeccompProfileStatus next, Instant now) {
    String uid = profile.getMetadata().getUid();
    SeccompProfileStatus current = profile.getStatus();
    if (next.getPhase() != ProfilePhase.Installing) {
      forget(profile);
      return Optional.empty();
    }
    if (current == null) {
      Instant first = firstHeld.computeIfAbsent(uid, k -> now);
      Duration left = FIRST_WINDOW.minus(Duration.between(first, now));
      if (left.compareTo(Duration.ZERO) > 0) {
        return Optional.of(left);
      }
      firstHeld.remove(uid);
    } else if (progressOnly(current, next)) {
      Instant last = lastWritten.get(uid);
      if (last != null) {
        Duration left = PROGRESS_INTERVAL.minus(Duration.between(last, now));
        if (left.compareTo(Duration.ZERO) > 0) {
          return Optional.of(left);
        }
      }
    }
    lastWritten.put(uid, now);
    return Optional.empty();
  }

  /** Whether the two statuses differ only in how far the nodes have got. */
  private static boolean progressOnly(SeccompProfileStatus current, SeccompProfileStatus next) {
    return current.getPhase() == ProfilePhase.Installing
        && Objects.equals(current.getObservedGeneration(), next.getObservedGeneration())
        && Objects.equals(current.getContentHash(), next.getContentHash());
  }

  void forget(SeccompProfile profile) {
    firstHeld.remove(profile.getMetadata().getUid());
    lastWritten.remove(profile.getMetadata().getUid());
  }
}
