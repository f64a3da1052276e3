package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.PemFiles;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import dev.leastprivilege.webhook.tls.SelfManagedTls;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook as its Deployment runs it ({@code WebhookMain}): caches, TLS (mounted or
 * self-managed) kept current, and the server. Nothing here needs the API server to start or to
 * answer: admissions depend only on a certificate and caches that have synced once.
 */
public final class Webhook implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);

  /**
   * How often a rotated certificate is looked for; the kubelet takes up to a minute to update a
   * mounted Secret.
   */
  static final long REFRESH_SECONDS = 10;

  static final long UPKEEP_SECONDS = 60;

  /** How soon a failed upkeep is tried again. */
  static final long RETRY_SECONDS = 5;

  private final ServedPolicies cache;
  private final ReloadingKeyManager keys;
  private final SelfManagedTls selfManaged;
  private final WebhookServer server;
  private final ScheduledExecutorService timers;
  private final ApiServerProbe probe;
  private final WarmUp warmUp;
  private boolean closed;

  private Webhook(
      ServedPolicies cache,
      ReloadingKeyManager keys,
      SelfManagedTls selfManaged,
      WebhookServer server,
      ScheduledExecutorService timers,
      ApiServerProbe probe,
      WarmUp warmUp) {
    this.cache = cache;
    this.keys = keys;
    this.selfManaged = selfManaged;
    this.server = server;
    this.timers = timers;
    this.probe = probe;
    this.warmUp = warmUp;
  }

  /**
   * {@link #start(KubernetesClient, String, WebhookSettings, OutageSettings, InetSocketAddress,
   * MeterRegistry)} with {@link OutageSettings#DEFAULTS}.
   */
  public static Webhook start(
      KubernetesClient client,
      String operatorNamespace,
      WebhookSettings settings,
      InetSocketAddress bind,
      MeterRegistry registry)
      throws IOException {
    return start(client, operatorNamespace, settings, OutageSettings.DEFAULTS, bind, registry);
  }

  /**
   * {@link #start(KubernetesClient, String, WebhookSettings, OutageSettings, WarmUpSettings,
   * InetSocketAddress, MeterRegistry)} without a warm-up: ready as soon as the caches have synced.
   */
  public static Webhook start(
      KubernetesClient client,
      String operatorNamespace,
      WebhookSettings settings,
      OutageSettings outage,
      InetSocketAddress bind,
      MeterRegistry registry)
      throws IOException {
    return start(client, operatorNamespace, settings, outage, WarmUpSettings.OFF, bind, registry);
  }

  /**
   * Starts serving whether or not the API server answers: the certificate comes from the mounted
   * Secret until the stored one can be read, the caches list in the background (until then
   * admissions get a 503 and {@link #ready()} is false), and the self-managed certificate's upkeep
   * retries every {@link #RETRY_SECONDS} until it first succeeds. Meanwhile the admission path is
   * warmed up ({@link WarmUp}, within {@code warmUp}'s bound), and the webhook is not ready until
   * that is over either. Only a port that cannot be bound ends the start.
   */
  public static Webhook start(
      KubernetesClient client,
      String operatorNamespace,
      WebhookSettings settings,
      OutageSettings outage,
      WarmUpSettings warmUp,
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
    KeyMaterial material;
    if (selfManaged == null) {
      material = new PemFiles(settings.certDir());
    } else if (outage.mountedSecret() != null) {
      material = new FallbackKeyMaterial(selfManaged, new PemFiles(outage.mountedSecret()));
    } else {
      material = selfManaged;
    }
    ReloadingKeyManager keys = new ReloadingKeyManager(material);
    // Two threads: an upkeep that waits on an unreachable API server must not hold up the
    // certificate reload or the freshness clock.
    ScheduledExecutorService timers =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "webhook-tls");
              t.setDaemon(true);
              return t;
            });
    if (selfManaged != null) {
      timers.execute(() -> upkeep(selfManaged, keys, timers));
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
    PolicyFreshness freshness = new PolicyFreshness(outage.maxUnwatched(), Clock.systemUTC());
    ApiServerProbe probe = ApiServerProbe.start(client);
    timers.scheduleWithFixedDelay(
        () -> {
          if (cache.ready()) {
            freshness.synced();
          }
          freshness.observe(cache.ready() && cache.watching() && probe.reachedRecently());
        },
        0,
        1,
        TimeUnit.SECONDS);
    Gauge.builder(
            "lpo_webhook_policies_unwatched_seconds",
            () -> freshness.unwatchedFor().toMillis() / 1000.0)
        .description(
            "Seconds since the webhook's informers last watched the API server; past"
                + " LPO_WEBHOOK_MAX_UNWATCHED_SECONDS the webhook stops answering")
        .register(registry);
    ServedPolicies served = new ServedPolicies(cache, freshness);
    WebhookServer server;
    MutationPlanner planner = new MutationPlanner(operatorNamespace);
    try {
      server =
          WebhookServer.start(
              bind, keys, planner, served, ClusterReads.of(client), registry, settings.limits());
    } catch (IOException | RuntimeException e) {
      timers.shutdownNow();
      probe.close();
      cache.close();
      throw e;
    }
    LOG.info(
        "webhook serving https://{}:{}{} with TLS from {}",
        bind.getHostString(),
        server.port(),
        WebhookServer.PATH,
        material.describe());
    // After the real server, which set the process's connection limits the warm-up's server shares.
    WarmUp warming = WarmUp.start(warmUp, planner, settings.limits());
    return new Webhook(served, keys, selfManaged, server, timers, probe, warming);
  }

  /**
   * The self-managed certificate's upkeep: every {@link #UPKEEP_SECONDS} once it has worked, every
   * {@link #RETRY_SECONDS} until then (the API server may be down at start), and the new
   * certificate is served at once rather than at the next reload.
   */
  private static void upkeep(
      SelfManagedTls selfManaged, ReloadingKeyManager keys, ScheduledExecutorService timers) {
    long next = UPKEEP_SECONDS;
    try {
      selfManaged.upkeep();
      keys.refresh();
    } catch (RuntimeException e) {
      LOG.error(
          "webhook certificate upkeep failed, retrying in {} s: {}", RETRY_SECONDS, e.getMessage());
      next = RETRY_SECONDS;
    }
    if (!timers.isShutdown()) {
      timers.schedule(() -> upkeep(selfManaged, keys, timers), next, TimeUnit.SECONDS);
    }
  }

  /**
   * The client settings the webhook's own process uses: informers and the certificate's upkeep
   * retry quickly (after 100 ms, backing off to 3.2 s) so that after an API-server outage the
   * watches are back within seconds, and a request fails after a few retries instead of retrying
   * for a minute and a half (fabric8's default) while the informers' retry would be quicker.
   */
  public static Config clientConfig(Config base) {
    base.setWatchReconnectInterval(WATCH_RECONNECT_MILLIS);
    base.setRequestRetryBackoffLimit(2);
    base.setRequestRetryBackoffInterval(100);
    return base;
  }

  static final int WATCH_RECONNECT_MILLIS = 100;

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

  /**
   * Ready when the caches have synced, their content is within the staleness bound ({@link
   * PolicyFreshness}), a certificate is served, and the warm-up is over and found the admission
   * path working ({@link WarmUp#allowsReady()}).
   */
  public boolean ready() {
    return cache.ready() && keys.serving().isPresent() && warmUp.allowsReady();
  }

  /** The warm-up, for what it did. */
  public WarmUp warmUp() {
    return warmUp;
  }

  /** The self-managed CA's certificate (PEM), for clients that must trust it. */
  public Optional<String> caCertificate() {
    return selfManaged == null ? Optional.empty() : selfManaged.caCertificate();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    warmUp.close();
    timers.shutdownNow();
    probe.close();
    server.close();
    cache.close();
  }
}
