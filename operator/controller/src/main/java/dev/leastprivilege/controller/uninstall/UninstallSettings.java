package dev.leastprivilege.controller.uninstall;

import java.time.Duration;
import java.util.Map;

/**
 * What the uninstall hook acts on, as the chart's hook Job gives it.
 *
 * @param namespace the release namespace: the release's Deployments and DaemonSets, the rendered
 *     ConfigMaps, the leader Lease and the webhook Secret live there
 * @param releaseSelector a label selector matching the release's Deployments and DaemonSets (the
 *     chart's name and instance labels), so that every Deployment of the release is stopped
 *     whatever the chart calls it
 * @param webhookConfiguration the release's MutatingWebhookConfiguration; empty for none
 * @param webhookSecret the Secret of the self-managed webhook certificate; empty for none
 * @param timeout how long the whole run may take; the Job's activeDeadlineSeconds stops it anyway
 */
public record UninstallSettings(
    String namespace,
    String releaseSelector,
    String webhookConfiguration,
    String webhookSecret,
    Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(180);

  /**
   * From the hook Job's environment: LPO_NAMESPACE, LPO_RELEASE_SELECTOR,
   * LPO_WEBHOOK_CONFIGURATION, LPO_WEBHOOK_SECRET, LPO_UNINSTALL_TIMEOUT_SECONDS.
   */
  public static UninstallSettings fromEnvironment(Map<String, String> env) {
    String namespace = required(env, "LPO_NAMESPACE");
    String selector = required(env, "LPO_RELEASE_SELECTOR");
    return new UninstallSettings(
        namespace,
        selector,
        env.getOrDefault("LPO_WEBHOOK_CONFIGURATION", ""),
        env.getOrDefault("LPO_WEBHOOK_SECRET", ""),
        Duration.ofSeconds(
            Long.parseLong(
                env.getOrDefault(
                    "LPO_UNINSTALL_TIMEOUT_SECONDS",
                    String.valueOf(DEFAULT_TIMEOUT.toSeconds())))));
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          name + " is not set: the chart's uninstall hook Job sets it");
    }
    return value;
  }
}
