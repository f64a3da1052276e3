package dev.leastprivilege.controller;

import dev.leastprivilege.controller.support.HealthServer;
import dev.leastprivilege.webhook.OutageSettings;
import dev.leastprivilege.webhook.WarmUpSettings;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The webhook's own process, as its Deployment runs it ({@link WebhookMain}): the admission webhook
 * and /healthz, /readyz and /metrics, with no reconciler and no leader election. Its admissions
 * depend only on a certificate and caches that have synced once, so it outlives a lost Lease, an
 * operator that is down, and an API-server outage (it starts even while the API server is down).
 */
public final class WebhookProcess implements AutoCloseable {
  private final Webhook webhook;
  private final HealthServer health;
  private final PrometheusMeterRegistry registry;

  private WebhookProcess(Webhook webhook, HealthServer health, PrometheusMeterRegistry registry) {
    this.webhook = webhook;
    this.health = health;
    this.registry = registry;
  }

  /**
   * {@link #start(KubernetesClient, String, WebhookSettings, OutageSettings, WarmUpSettings,
   * InetSocketAddress, int)} without a warm-up.
   */
  public static WebhookProcess start(
      KubernetesClient client,
      String namespace,
      WebhookSettings settings,
      OutageSettings outage,
      InetSocketAddress bind,
      int healthPort)
      throws IOException {
    return start(client, namespace, settings, outage, WarmUpSettings.OFF, bind, healthPort);
  }

  /**
   * Starts the webhook on {@code bind} and, unless {@code healthPort} is {@link
   * OperatorSettings#NO_HEALTH_PORT}, the health port; throws only when a port cannot be bound.
   * /readyz says ready once the webhook is ({@link Webhook#ready()}: caches, certificate, warm-up).
   */
  public static WebhookProcess start(
      KubernetesClient client,
      String namespace,
      WebhookSettings settings,
      OutageSettings outage,
      WarmUpSettings warmUp,
      InetSocketAddress bind,
      int healthPort)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Webhook webhook = Webhook.start(client, namespace, settings, outage, warmUp, bind, registry);
    if (healthPort == OperatorSettings.NO_HEALTH_PORT) {
      return new WebhookProcess(webhook, null, registry);
    }
    try {
      // Alive while the process runs: a restart would not bring the API server back, and the
      // caches and certificate it holds are what lets it serve meanwhile.
      HealthServer health =
          new HealthServer(healthPort, () -> true, webhook::ready, registry::scrape);
      return new WebhookProcess(webhook, health, registry);
    } catch (IOException | RuntimeException e) {
      webhook.close();
      throw e;
    }
  }

  /**
   * From the Deployment's environment: LPO_NAMESPACE, HEALTH_PORT, the LPO_WEBHOOK_* of {@link
   * WebhookSettings#fromEnvironment}, {@link OutageSettings#fromEnvironment} and {@link
   * WarmUpSettings#fromEnvironment}; the webhook on every interface.
   */
  public static WebhookProcess fromEnvironment(KubernetesClient client, Map<String, String> env)
      throws IOException {
    String namespace = env.getOrDefault("LPO_NAMESPACE", OperatorSettings.DEFAULT_NAMESPACE);
    WebhookSettings settings = WebhookSettings.fromEnvironment(env, namespace);
    return start(
        client,
        namespace,
        settings,
        OutageSettings.fromEnvironment(env),
        WarmUpSettings.fromEnvironment(env),
        new InetSocketAddress(settings.port()),
        Integer.parseInt(
            env.getOrDefault("HEALTH_PORT", String.valueOf(OperatorSettings.DEFAULT_HEALTH_PORT))));
  }

  public Webhook webhook() {
    return webhook;
  }

  public OptionalInt healthPort() {
    return health == null ? OptionalInt.empty() : OptionalInt.of(health.port());
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Stops serving; the client is the caller's. */
  @Override
  public void close() {
    if (health != null) {
      health.close();
    }
    webhook.close();
  }
}
