package dev.leastprivilege.controller.bench;

import dev.leastprivilege.controller.support.HealthServer;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.PemFiles;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The start-up benchmark's baseline ({@link WebhookStartupLoad}): the webhook's HTTPS server and
 * TLS stack in a JVM of its own, with a handler that answers "allowed" without reading the pod,
 * ready as soon as it listens. Same environment as the webhook: LPO_WEBHOOK_PORT,
 * LPO_WEBHOOK_CERT_DIR, HEALTH_PORT.
 */
public final class NoopWebhookMain {
  private NoopWebhookMain() {}

  public static void main(String[] args) throws Exception {
    byte[] allow =
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"x\",\"allowed\":true}}"
            .getBytes(StandardCharsets.UTF_8);
    ReloadingKeyManager keys =
        new ReloadingKeyManager(new PemFiles(Path.of(System.getenv("LPO_WEBHOOK_CERT_DIR"))));
    if (!keys.refresh()) {
      throw new IllegalStateException("no certificate in LPO_WEBHOOK_CERT_DIR");
    }
    WebhookServer.start(
        new InetSocketAddress(Integer.parseInt(System.getenv("LPO_WEBHOOK_PORT"))),
        keys,
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, allow.length);
            exchange.getResponseBody().write(allow);
          }
        });
    new HealthServer(
        Integer.parseInt(System.getenv("HEALTH_PORT")), () -> true, () -> true, () -> "");
    Thread.currentThread().join();
  }
}
