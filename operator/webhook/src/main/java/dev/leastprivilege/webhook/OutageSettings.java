package dev.leastprivilege.webhook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the webhook rides out an API server it cannot reach.
 *
 * @param mountedSecret the self-managed Secret mounted as a volume (tls.crt, tls.key), served until
 *     the Secret can be read from the API server: a webhook restarted during an API-server outage
 *     serves at once. Null when nothing is mounted (cert-manager mode mounts its own Secret as
 *     {@link WebhookSettings#certDir()} instead)
 * @param maxUnwatched how long the webhook serves its last known policies without a working watch
 *     on the API server ({@link PolicyFreshness})
 */
public record OutageSettings(Path mountedSecret, Duration maxUnwatched) {
  public static final OutageSettings DEFAULTS =
      new OutageSettings(null, PolicyFreshness.DEFAULT_BOUND);

  /**
   * From the webhook's environment: LPO_WEBHOOK_MOUNTED_SECRET_DIR (unset: none),
   * LPO_WEBHOOK_MAX_UNWATCHED_SECONDS (300).
   */
  public static OutageSettings fromEnvironment(Map<String, String> env) {
    String dir = env.get("LPO_WEBHOOK_MOUNTED_SECRET_DIR");
    return new OutageSettings(
        dir == null || dir.isBlank() ? null : Path.of(dir),
        Duration.ofSeconds(
            Long.parseLong(
                env.getOrDefault(
                    "LPO_WEBHOOK_MAX_UNWATCHED_SECONDS",
                    String.valueOf(PolicyFreshness.DEFAULT_BOUND.toSeconds())))));
  }

  public OutageSettings withMaxUnwatched(Duration bound) {
    return new OutageSettings(mountedSecret, bound);
  }
}
