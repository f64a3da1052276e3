package dev.leastprivilege.webhook;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the webhook serves.
 *
 * @param port HTTPS port
 * @param certDir a mounted kubernetes.io/tls Secret (tls.crt, tls.key); null for the self-managed
 *     CA
 * @param secretName the Secret the self-managed CA lives in
 * @param webhookConfigName the MutatingWebhookConfiguration whose caBundle the self-managed CA
 *     keeps current
 * @param dnsNames names the serving certificate must carry (the Service's DNS names)
 * @param ipAddresses addresses it must carry (for a webhook reached by {@code url:})
 * @param limits what one connection may cost the server (timeouts, connection limit)
 */
public record WebhookSettings(
    int port,
    Path certDir,
    String secretName,
    String webhookConfigName,
    List<String> dnsNames,
    List<String> ipAddresses,
    WebhookServer.Limits limits) {

  /** With the default connection limits. */
  public WebhookSettings(
      int port,
      Path certDir,
      String secretName,
      String webhookConfigName,
      List<String> dnsNames,
      List<String> ipAddresses) {
    this(
        port,
        certDir,
        secretName,
        webhookConfigName,
        dnsNames,
        ipAddresses,
        WebhookServer.Limits.DEFAULT);
  }

  public boolean selfManaged() {
    return certDir == null;
  }

  /**
   * From the operator's environment: LPO_WEBHOOK_PORT (8443), LPO_WEBHOOK_CERT_DIR (unset:
   * self-managed CA), LPO_WEBHOOK_SECRET, LPO_WEBHOOK_CONFIGURATION, LPO_WEBHOOK_SERVICE (its DNS
   * names in the namespace), LPO_WEBHOOK_IPS (comma-separated), LPO_WEBHOOK_REQUEST_TIMEOUT_SECONDS
   * (10), LPO_WEBHOOK_IDLE_TIMEOUT_SECONDS (60), LPO_WEBHOOK_MAX_CONNECTIONS (256).
   */
  public static WebhookSettings fromEnvironment(Map<String, String> env, String namespace) {
    String service = env.getOrDefault("LPO_WEBHOOK_SERVICE", "least-privilege-operator-webhook");
    String certDir = env.get("LPO_WEBHOOK_CERT_DIR");
    return new WebhookSettings(
        Integer.parseInt(env.getOrDefault("LPO_WEBHOOK_PORT", "8443")),
        certDir == null || certDir.isBlank() ? null : Path.of(certDir),
        env.getOrDefault("LPO_WEBHOOK_SECRET", "least-privilege-operator-webhook-tls"),
        env.getOrDefault("LPO_WEBHOOK_CONFIGURATION", "least-privilege-operator"),
        List.of(
            service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local"),
        list(env.get("LPO_WEBHOOK_IPS")),
        limits(env));
  }

  private static WebhookServer.Limits limits(Map<String, String> env) {
    WebhookServer.Limits d = WebhookServer.Limits.DEFAULT;
    return new WebhookServer.Limits(
        Duration.ofSeconds(
            positive(env, "LPO_WEBHOOK_REQUEST_TIMEOUT_SECONDS", d.requestTimeout().toSeconds())),
        Duration.ofSeconds(
            positive(env, "LPO_WEBHOOK_IDLE_TIMEOUT_SECONDS", d.idleTimeout().toSeconds())),
        (int) positive(env, "LPO_WEBHOOK_MAX_CONNECTIONS", d.maxConnections()));
  }

  private static long positive(Map<String, String> env, String name, long otherwise) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return otherwise;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n >= 1 && n <= Integer.MAX_VALUE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + ": expected a whole number of at least 1, got \"" + v + "\"");
  }

  private static List<String> list(String csv) {
    return csv == null
        ? List.of()
        : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
