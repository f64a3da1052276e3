package dev.leastprivilege.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the webhook reached the API server lately: one GET /version every second, on a thread of
 * its own (a request to an address that swallows packets waits for its timeout). An informer's
 * isWatching does not tell: while fabric8 reconnects a broken watch it still says true, so a
 * webhook cut off from the API server would serve stale policies past its bound.
 */
final class ApiServerProbe implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApiServerProbe.class);
  static final long PERIOD_MILLIS = 1_000;

  /** A probe older than this (three periods) means the API server is not being reached. */
  static final long STALE_NANOS = TimeUnit.MILLISECONDS.toNanos(3 * PERIOD_MILLIS);

  private final KubernetesClient client;
  private final ScheduledExecutorService thread;
  private volatile long reachedAt;
  private volatile boolean reached;

  private ApiServerProbe(KubernetesClient client) {
    this.client = client;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "webhook-api-probe");
              t.setDaemon(true);
              return t;
            });
  }

  static ApiServerProbe start(KubernetesClient client) {
    ApiServerProbe probe = new ApiServerProbe(client);
    probe.thread.scheduleWithFixedDelay(probe::probe, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    return probe;
  }

  private void probe() {
    try {
      client.getKubernetesVersion();
      reachedAt = System.nanoTime();
      if (!reached) {
        reached = true;
        LOG.info("the API server answers");
      }
    } catch (RuntimeException e) {
      if (reached) {
        reached = false;
        LOG.warn("the API server does not answer: {}", e.getMessage());
      }
    }
  }

  /** Whether a probe succeeded within the last {@link #STALE_NANOS}. */
  boolean reachedRecently() {
    return reached && System.nanoTime() - reachedAt < STALE_NANOS;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
