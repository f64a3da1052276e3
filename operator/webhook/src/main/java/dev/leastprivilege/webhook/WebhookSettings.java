package dev.leastprivilege.webhook;

import java.nio.file.Path;
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
 */
public record WebhookSettings(
    int port,
    Path certDir,
    String secretName,
    String webhookConfigName,
    List<String> dnsNames,
    List<String> ipAddresses) {

  public boolean selfManaged() {
    return certDir == null;
  }

  /**
   * From the operator's environment: LPO_WEBHOOK_PORT (8443), LPO_WEBHOOK_CERT_DIR (unset:
   * self-managed CA), LPO_WEBHOOK_SECRET, LPO_WEBHOOK_CONFIGURATION, LPO_WEBHOOK_SERVICE (its DNS
   * names in the namespace), LPO_WEBHOOK_IPS (comma-separated).
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
        list(env.get("LPO_WEBHOOK_IPS")));
  }

  private static List<String> list(String csv) {
    return csv == null
        ? List.of()
        : Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
