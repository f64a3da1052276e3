package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.PemFiles;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import dev.leastprivilege.webhook.tls.SelfManagedTls;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook as the operator runs it: caches, TLS (mounted or self-managed) kept current, and the
 * server.
 */
public final class Webhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

  /**
   * How often a rotated certificate is looked for; the kubelet takes up to a minute to update a
   * mounted Secret.
   */
  static final long REFRESH_SECONDS = 10;

  static final long UPKEEP_SECONDS = 60;
  private final InformerPolicyCache cache;
  private final ReloadingKeyManager keys;
  private final SelfManagedTls selfManaged;
  private final WebhookServer server;
  private final ScheduledExecutorService timers;

  private Webhook(
      InformerPolicyCache cache,
      ReloadingKeyManager keys,
      SelfManagedTls selfManaged,
      WebhookServer server,
      ScheduledExecutorService timers) {
    this.cache = cache;
    this.keys = keys;
    this.selfManaged = selfManaged;
    this.server = server;
    this.timers = timers;
  }

  public static Webhook start(
      KubernetesClient client,
      String operatorNamespace,
      WebhookSettings settings,
      InetSocketAddress bind,
      MeterRegistry registry)
      throws IOException {
    SelfManagedTls selfManaged =
        settings.selfManaged()
            ? new SelfManagedTls(
                client,
                operatorNamespace,
                settings.secretName(),
                settings.webhookConfigName(),
                settings.dnsNames(),
                settings.ipAddresses())
            : null;
    KeyMaterial material = selfManaged != null ? selfManaged : new PemFiles(settings.certDir());
    ReloadingKeyManager keys = new ReloadingKeyManager(material);
    ScheduledExecutorService timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "webhook-tls");
              t.setDaemon(true);
              return t;
            });
    if (selfManaged != null) {
      selfManaged.upkeep();
      timers.scheduleWithFixedDelay(
          () -> guarded("certificate upkeep", selfManaged::upkeep),
          UPKEEP_SECONDS,
          UPKEEP_SECONDS,
          TimeUnit.SECONDS);
    }
    if (!keys.refresh()) {
      LOG.warn(
          "no webhook certificate yet in {}; the webhook answers once one appears",
          material.describe());
    }
    timers.scheduleWithFixedDelay(
        () -> guarded("certificate reload", keys::refresh),
        REFRESH_SECONDS,
        REFRESH_SECONDS,
        TimeUnit.SECONDS);
    InformerPolicyCache cache = InformerPolicyCache.start(client);
    WebhookServer server =
        WebhookServer.start(
            bind,
            keys,
            new MutationPlanner(operatorNamespace),
            cache,
            ClusterReads.of(client),
            registry,
            settings.limits());
    LOG.info(
        "webhook serving https://{}:{}{} with TLS from {}",
        bind.getHostString(),
        server.port(),
        WebhookServer.PATH,
        material.describe());
    return new Webhook(cache, keys, selfManaged, server, timers);
  }

  private static void guarded(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("webhook {} failed, retrying later: {}", what, e.getMessage());
    }
  }

  /** What the webhook currently knows, namespace by namespace. */
  public PolicyCache cache() {
    return cache;
  }

  public int port() {
    return server.port();
  }

  /** Ready when the caches have synced and a certificate is served. */
  public boolean ready() {
    return cache.ready() && keys.serving().isPresent();
  }

  /** The self-managed CA's certificate (PEM), for clients that must trust it. */
  public Optional<String> caCertificate() {
    return selfManaged == null ? Optional.empty() : selfManaged.caCertificate();
  }

  @Override
  public void close() {
    timers.shutdownNow();
    server.close();
    cache.close();
  }
}
