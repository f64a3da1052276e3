package dev.leastprivilege.webhook;

import java.time.Duration;
import java.util.Map;

/**
 * How long the webhook may warm its admission path up before it reports ready ({@link WarmUp}).
 *
 * @param bound the longest the warm-up may delay readiness; {@link Duration#ZERO} turns it off
 */
public record WarmUpSettings(Duration bound) {
  /**
   * More than the warm-up took on an overloaded 2-core machine (11 to 15 s, load average 30 to 50),
   * yet a bound a rollout can wait for.
   */
  public static final Duration DEFAULT_BOUND = Duration.ofSeconds(20);

  public static final WarmUpSettings DEFAULTS = new WarmUpSettings(DEFAULT_BOUND);

  /** No warm-up: ready as soon as the caches have synced and a certificate is served. */
  public static final WarmUpSettings OFF = new WarmUpSettings(Duration.ZERO);

  public WarmUpSettings {
    if (bound.isNegative()) {
      throw new IllegalArgumentException("warm-up bound: 0 or more (got " + bound + ")");
    }
  }

  public boolean enabled() {
    return !bound.isZero();
  }

  /** From the webhook's environment: LPO_WEBHOOK_WARMUP_SECONDS (20; 0 turns the warm-up off). */
  public static WarmUpSettings fromEnvironment(Map<String, String> env) {
    String v = env.get("LPO_WEBHOOK_WARMUP_SECONDS");
    if (v == null || v.isBlank()) {
      return DEFAULTS;
    }
    try {
      long seconds = Long.parseLong(v.trim());
      if (seconds >= 0 && seconds <= 3600) {
        return new WarmUpSettings(Duration.ofSeconds(seconds));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "LPO_WEBHOOK_WARMUP_SECONDS: expected a whole number of seconds from 0 (off) to 3600, got \""
            + v
            + "\"");
  }
}
