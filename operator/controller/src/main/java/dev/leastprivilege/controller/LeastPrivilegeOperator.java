package dev.leastprivilege.controller;

import dev.leastprivilege.controller.capability.CapabilityPolicyReconciler;
import dev.leastprivilege.controller.recording.ProfileRecordingReconciler;
import dev.leastprivilege.controller.scope.NamespaceScope;
import dev.leastprivilege.controller.scope.PolicyNamespaceReconciler;
import dev.leastprivilege.controller.seccomp.SeccompProfileReconciler;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.HealthServer;
import dev.leastprivilege.controller.support.SameMeterTags;
import dev.leastprivilege.controller.workloads.RunningPodReview;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The assembly of the operator process: the SeccompProfile and CapabilityPolicy reconcilers and the
 * running-pod review they share, the ProfileRecording reconciler, metrics, leader election when
 * replicas are more than one, and /healthz, /readyz and /metrics. {@link OperatorMain} runs it as
 * the operator's Deployment configures it ({@link #fromEnvironment}), without the webhook: the
 * chart runs the webhook in a Deployment of its own ({@link WebhookMain}), so a replica that exits
 * on a lost Lease takes no admission with it. {@code lpo local} and the tests on a real API server
 * add the webhook to the same process ({@link Builder#webhook}), with their own settings.
 */
public final class LeastPrivilegeOperator implements AutoCloseable {
  /**
   * "true" lets {@code restartNonCompliant} restart workloads; the chart sets it with the RBAC that
   * allows it.
   */
  public static final String RESTART_WORKLOADS_ENV = "LPO_RESTART_WORKLOADS";

  private boolean closed;
  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final PrometheusMeterRegistry registry;
  private final WebhookSettings webhookSettings;
  private final InetSocketAddress webhookBind;
  private final Operator operator;
  private Webhook webhook;
  private HealthServer health;

  private LeastPrivilegeOperator(Builder b) {
    this.client = b.client;
    this.settings = b.settings;
    this.registry = b.registry;
    this.webhookSettings = b.webhookSettings;
    this.webhookBind = b.webhookBind;
    this.operator = operator(client, settings, registry, b.restartWorkloads);
  }

  /** The operator with these settings; add the webhook with {@link Builder#webhook}. */
  public static Builder builder(KubernetesClient client, OperatorSettings settings) {
    return new Builder(client, settings);
  }

  /**
   * The operator Deployment's assembly, configured from its environment by {@link
   * OperatorSettings#fromEnvironment} (LPO_*, HEALTH_PORT) and {@value #RESTART_WORKLOADS_ENV}; no
   * webhook (see {@link WebhookMain}).
   */
  public static Builder fromEnvironment(KubernetesClient client, Map<String, String> env) {
    return builder(client, OperatorSettings.fromEnvironment(env))
        .restartWorkloads(Boolean.parseBoolean(env.getOrDefault(RESTART_WORKLOADS_ENV, "false")));
  }

  /** What to assemble besides the operator. */
  public static final class Builder {
    private final KubernetesClient client;
    private final OperatorSettings settings;
    private PrometheusMeterRegistry registry;
    private WebhookSettings webhookSettings;
    private InetSocketAddress webhookBind;
    private boolean restartWorkloads;

    private Builder(KubernetesClient client, OperatorSettings settings) {
      this.client = client;
      this.settings = settings;
    }

    /**
     * Where the operator's and the webhook's meters go, and what /metrics serves; a new registry if
     * not set.
     */
    public Builder registry(PrometheusMeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /**
     * Serve the admission webhook on {@code bind} in this process too ({@code lpo local}, tests).
     * Every replica serves it, leader or not.
     */
    public Builder webhook(WebhookSettings settings, InetSocketAddress bind) {
      this.webhookSettings = settings;
      this.webhookBind = bind;
      return this;
    }

    /**
     * Let {@code restartNonCompliant: true} patch Deployments, StatefulSets and DaemonSets; off
     * unless the chart grants the RBAC for it ({@code operator.restartWorkloads}, {@value
     * #RESTART_WORKLOADS_ENV}).
     */
    public Builder restartWorkloads(boolean enabled) {
      this.restartWorkloads = enabled;
      return this;
    }

    /** The operator with its reconcilers registered; nothing runs until {@link #start()}. */
    public LeastPrivilegeOperator build() {
      if (registry == null) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      }
      return new LeastPrivilegeOperator(this);
    }
  }

  private static Operator operator(
      KubernetesClient client,
      OperatorSettings settings,
      PrometheusMeterRegistry registry,
      boolean restartWorkloads) {
    // Before JOSDK registers a meter: the Namespace controller's must carry the same tag keys.
    registry.config().meterFilter(new SameMeterTags());
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
                  // Per controller, not per resource: a histogram per profile costs megabytes of
                  // heap at 10,000 profiles
                  // and as many Prometheus series.
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(settings.leaderElectionConfiguration());
              }
            });
    EventRecorder events = new EventRecorder(client);
    RunningPodReview runningPods =
        new RunningPodReview(
            client, events, settings.podRecount(), restartWorkloads, settings.namespace());
    // The namespace label that scopes the webhook: one writer, read by both reconcilers.
    NamespaceScope scope = new NamespaceScope(settings.namespace(), events);
    operator.register(new PolicyNamespaceReconciler(scope));
    operator.register(
        new SeccompProfileReconciler(settings.namespace(), events, runningPods, scope, registry));
    operator.register(new CapabilityPolicyReconciler(runningPods, scope, events));
    operator.register(new ProfileRecordingReconciler(events));
    return operator;
  }

  /**
   * Starts the webhook, the health port, then the reconcilers (with leader election, on the leader
   * only). If a part fails to start, those started before it are stopped.
   */
  public LeastPrivilegeOperator start() throws IOException {
    try {
      if (webhookSettings != null) {
        webhook =
            Webhook.start(client, settings.namespace(), webhookSettings, webhookBind, registry);
      }
      if (settings.healthPort() != OperatorSettings.NO_HEALTH_PORT) {
        health =
            new HealthServer(settings.healthPort(), this::healthy, this::ready, registry::scrape);
      }
      operator.start();
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * For a process that runs only this: on SIGTERM, stop serving health and the webhook, and let
   * JOSDK stop the reconcilers (it does so only without leader election; with it, losing the lease
   * ends the process anyway).
   */
  public void installShutdownHook() {
    operator.installShutdownHook(Duration.ofSeconds(10));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (health != null) {
                    health.close();
                  }
                  if (webhook != null) {
                    webhook.close();
                  }
                },
                "lpo-shutdown"));
  }

  /** /healthz: every informer the reconcilers use is healthy. */
  public boolean healthy() {
    return operator.getRuntimeInfo().allEventSourcesAreHealthy();
  }

  /**
   * /readyz: the webhook's caches have synced and it serves a certificate. Every replica serves the
   * webhook, so a follower is ready too. Without a webhook, once the reconcilers have started.
   */
  public boolean ready() {
    return webhook != null ? webhook.ready() : operator.getRuntimeInfo().isStarted();
  }

  public Operator operator() {
    return operator;
  }

  public Optional<Webhook> webhook() {
    return Optional.ofNullable(webhook);
  }

  /** The port /healthz, /readyz and /metrics are served on, once started. */
  public OptionalInt healthPort() {
    return health == null ? OptionalInt.empty() : OptionalInt.of(health.port());
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public OperatorSettings settings() {
    return settings;
  }

  /** Stops everything this started; the client is the caller's. */
  @Override
  public synchronized void close() {
    // Idempotent: a test stops a replica halfway and its fixture closes it again afterwards.
    if (closed) {
      return;
    }
    closed = true;
    if (health != null) {
      health.close();
    }
    if (webhook != null) {
      webhook.close();
    }
    operator.stop();
  }
}
