package dev.leastprivilege.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * How stale the webhook's policies may be. While every informer watches the API server, the cache
 * is at most a watch event behind. When a watch breaks, the cache keeps the last known policies:
 * during a full API-server outage nothing can change, so they are still current and the webhook
 * goes on answering. A webhook cut off from an API server that works (a network partition of its
 * pod) would answer from an ever older view, so after {@code bound} without a working watch it
 * stops answering: readiness turns false and admissions get a 503, and the webhook's failurePolicy
 * decides (the chart's {@code Fail} refuses the pod rather than admit it under old policies).
 */
final class PolicyFreshness {
  /** The chart's default: long enough for an API-server restart or upgrade, short enough to act. */
  static final Duration DEFAULT_BOUND = Duration.ofMinutes(5);

  private final Duration bound;
  private final Clock clock;
  private volatile Instant lastWatching;
  // Observations come once a second: between two that saw a working watch, the policies are as
  // current as the watch, so the gauge and the bound read zero rather than the time since the last
  // observation.
  private volatile boolean watchingNow;

  PolicyFreshness(Duration bound, Clock clock) {
    this.bound = bound;
    this.clock = clock;
  }

  /**
   * Records whether the informers watch now (and the API server answers); called every second. The
   * clock starts at the first sync ({@link #synced}).
   */
  void observe(boolean watching) {
    watchingNow = watching;
    if (watching) {
      lastWatching = clock.instant();
    }
  }

  /**
   * The informers have listed: the policies were current a moment ago, so the clock starts now even
   * if the watch broke before {@link #observe} first saw it work.
   */
  void synced() {
    if (lastWatching == null) {
      lastWatching = clock.instant();
    }
  }

  /** How long no watch has worked: zero while watching, or before the first sync. */
  Duration unwatchedFor() {
    Instant last = lastWatching;
    return last == null || watchingNow ? Duration.ZERO : Duration.between(last, clock.instant());
  }

  /** Whether the last known policies may still be served. */
  boolean withinBound() {
    return unwatchedFor().compareTo(bound) <= 0;
  }

  Duration bound() {
    return bound;
  }
}
