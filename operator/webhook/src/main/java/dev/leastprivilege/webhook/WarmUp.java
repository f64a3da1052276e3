package dev.leastprivilege.webhook;

import com.sun.net.httpserver.HttpHandler;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the admission path up before the webhook reports ready: a freshly started JVM interprets
 * the TLS stack, the HTTP server, Jackson and the planner until the JIT has compiled them, and
 * meanwhile its first admissions are several times slower than later ones, just when a rollout
 * creates pods in bulk.
 *
 * <p>So the webhook sends itself {@link SyntheticReviews} over HTTPS on loopback, through the same
 * classes as the API server's requests (a {@link WebhookServer} with the webhook's limits, a
 * handler with the webhook's planner, a TLS 1.3 connection kept alive as the API server keeps its
 * own, and a new connection now and then for the handshake), on a server of its own: its port is
 * loopback only, its certificate a throwaway of the same kind as the self-managed one (ECDSA
 * P-256), its policies are {@link SyntheticReviews#policies()} rather than the informers', its
 * metrics go to a registry nobody scrapes, and its handler cannot read the API server. The real
 * server never sees a synthetic review.
 *
 * <p>It stops when the JIT has settled (at least {@link #MIN_REVIEWS} answered and the JIT
 * compiling for less than {@link #SETTLED_JIT_MILLIS} ms over the last {@link #WINDOW}), or at the
 * bound, whichever comes first, so a slow node delays readiness by at most the bound. A warm-up
 * that cannot run (a port it cannot bind, a review it cannot send) is logged as an error and does
 * not hold readiness back. A warm-up that finds the admission path broken (a synthetic review
 * answered with a 5xx, or the handler throwing) keeps the webhook not ready ({@link
 * #allowsReady()}): in a rollout, a replica that cannot admit pods must not replace one that can.
 */
public final class WarmUp implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

  /** Enough for C1 to compile the hot path (its thresholds are a few hundred calls). */
  static final int MIN_REVIEWS = 2_000;

  /** Connections the synthetic reviews share, so the server's workers run concurrently. */
  static final int CONNECTIONS = 4;

  /** A connection is replaced after this many reviews, so handshakes are warmed too. */
  static final int REVIEWS_PER_CONNECTION = 250;

  /** How often the JIT's progress is looked at. */
  static final Duration WINDOW = Duration.ofMillis(500);

  /** Below this much compiling in a window, the JIT has compiled what the reviews run. */
  static final long SETTLED_JIT_MILLIS = 5;

  /**
   * What the warm-up did.
   *
   * @param reviews synthetic reviews answered
   * @param failed reviews that were not answered with a 200 (a broken admission path)
   * @param took from start to done
   * @param jitMillis time the JIT compiled meanwhile (all compiler threads; -1 if unknown)
   * @param why why it stopped: "the JIT settled", "the bound", or an error
   * @param brokenPath what broke the admission path (a 5xx answer, the handler throwing), or null
   */
  public record Result(
      int reviews, int failed, Duration took, long jitMillis, String why, String brokenPath) {
    String describe() {
      return String.format(
          Locale.ROOT,
          "%d synthetic reviews over %d connections in %d ms (JIT compiling for %s) until %s%s%s",
          reviews,
          CONNECTIONS,
          took.toMillis(),
          jitMillis < 0 ? "an unknown time" : jitMillis + " ms",
          why,
          failed == 0 ? "" : "; " + failed + " were not answered with 200",
          brokenPath == null ? "" : "; the admission path is broken: " + brokenPath);
    }
  }

  private final Thread thread;
  private final AtomicReference<Result> result = new AtomicReference<>();
  private final AtomicReference<String> brokenPath = new AtomicReference<>();
  private volatile boolean stopped;

  private WarmUp(WarmUpSettings settings, HttpHandler handler, WebhookServer.Limits limits) {
    thread = new Thread(() -> run(settings, handler, limits), "webhook-warm-up");
    thread.setDaemon(true);
  }

  /**
   * Starts warming up in the background; {@link #done()} says when it is over. With the warm-up
   * off, it is done at once.
   */
  public static WarmUp start(
      WarmUpSettings settings, MutationPlanner planner, WebhookServer.Limits limits) {
    NamespacePolicies policies = SyntheticReviews.policies();
    PolicyCache cache =
        new PolicyCache() {
          @Override
          public NamespacePolicies forNamespace(String namespace) {
            return policies;
          }

          @Override
          public boolean ready() {
            return true;
          }
        };
    return start(
        settings,
        new AdmissionHandler(planner, cache, ClusterReads.none(), new SimpleMeterRegistry(), true),
        limits);
  }

  /** Warms up with this handler (tests give one that fails). */
  static WarmUp start(WarmUpSettings settings, HttpHandler handler, WebhookServer.Limits limits) {
    WarmUp w = new WarmUp(settings, handler, limits);
    if (!settings.enabled()) {
      w.result.set(new Result(0, 0, Duration.ZERO, 0, "it is turned off", null));
      return w;
    }
    LOG.info(
        "warming up the admission path before reporting ready (at most {} s)",
        settings.bound().toSeconds());
    w.thread.start();
    return w;
  }

  /** Whether the warm-up is over (or off). */
  public boolean done() {
    return result.get() != null;
  }

  /**
   * Whether the webhook may report ready: the warm-up is over, and did not find the admission path
   * broken.
   */
  public boolean allowsReady() {
    Result r = result.get();
    return r != null && r.brokenPath() == null;
  }

  /** What it did, once {@link #done()}. */
  public Result result() {
    return result.get();
  }

  private void run(WarmUpSettings settings, HttpHandler handler, WebhookServer.Limits limits) {
    long start = System.nanoTime();
    Result r = null;
    try {
      r = warm(settings.bound(), handler, limits, start);
      if (r.brokenPath() != null) {
        LOG.error("webhook warm-up failed, staying not ready: {}", r.describe());
      } else if (r.failed() > 0 || r.why().startsWith(COULD_NOT_SEND)) {
        LOG.error("webhook warm-up failed, reporting ready without it: {}", r.describe());
      } else {
        LOG.info("webhook warmed up: {}; reporting ready", r.describe());
      }
    } catch (Throwable e) {
      // Whatever it was (an Error too: a class missing from the classpath, memory), readiness must
      // not wait forever for a result that never comes.
      r =
          new Result(
              0,
              0,
              Duration.ofNanos(System.nanoTime() - start),
              -1,
              "it could not run (" + e + ")",
              null);
      LOG.error("webhook warm-up failed, reporting ready without it: {}", e.toString(), e);
      if (e instanceof Error) {
        throw (Error) e;
      }
    } finally {
      result.compareAndSet(null, r != null ? r : new Result(0, 0, Duration.ZERO, -1, "?", null));
    }
  }

  private static final String COULD_NOT_SEND = "a synthetic review could not be sent";

  private Result warm(Duration bound, HttpHandler handler, WebhookServer.Limits limits, long start)
      throws IOException, java.security.GeneralSecurityException {
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("lpo webhook warm-up");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1"));
    ReloadingKeyManager keys =
        new ReloadingKeyManager(
            KeyMaterial.fixed(serving.certificate(), serving.privateKey(), "warm-up"));
    keys.refresh();
    List<byte[]> bodies = SyntheticReviews.bodies();
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean jitTimed = jit != null && jit.isCompilationTimeMonitoringSupported();
    long jitAtStart = jitTimed ? jit.getTotalCompilationTime() : 0;
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long deadline = start + bound.toNanos();
    String why;
    try (WebhookServer server =
        WebhookServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            keys,
            recordingFailures(handler),
            limits)) {
      KeepAliveConnection.Target target =
          new KeepAliveConnection.Target(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()),
              ca.certificate());
      List<Thread> clients = new ArrayList<>();
      AtomicReference<Exception> broken = new AtomicReference<>();
      for (int c = 0; c < CONNECTIONS; c++) {
        int offset = c;
        Thread t =
            new Thread(
                () -> send(target, bodies, offset, answered, failed, broken),
                "webhook-warm-up-" + c);
        t.setDaemon(true);
        clients.add(t);
        t.start();
      }
      try {
        long jitBefore = jitAtStart;
        while (true) {
          Thread.sleep(WINDOW.toMillis());
          long jitNow = jitTimed ? jit.getTotalCompilationTime() : 0;
          if (broken.get() != null) {
            why = COULD_NOT_SEND + " (" + broken.get() + ")";
            break;
          }
          if (brokenPath.get() != null) {
            why = "the admission path broke";
            break;
          }
          if (answered.get() >= MIN_REVIEWS && jitNow - jitBefore < SETTLED_JIT_MILLIS) {
            why = "the JIT settled";
            break;
          }
          if (System.nanoTime() >= deadline || stopped) {
            why = stopped ? "the webhook stopped" : "the bound of " + bound.toSeconds() + " s";
            break;
          }
          jitBefore = jitNow;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        why = "the webhook stopped";
      }
      stopped = true;
      for (Thread t : clients) {
        try {
          t.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    return new Result(
        answered.get(),
        failed.get(),
        Duration.ofNanos(System.nanoTime() - start),
        jitTimed ? jit.getTotalCompilationTime() - jitAtStart : -1,
        why,
        brokenPath.get());
  }

  /**
   * The handler, noting what breaks the admission path: it throwing (answered with a 500 here, as
   * the API server would see no answer) or answering with a 5xx.
   */
  private HttpHandler recordingFailures(HttpHandler handler) {
    return exchange -> {
      try {
        handler.handle(exchange);
      } catch (Throwable e) {
        brokenPath.compareAndSet(null, "the handler threw " + e);
        try (exchange) {
          exchange.sendResponseHeaders(500, -1);
        } catch (IOException | RuntimeException alreadyAnswered) {
          // the connection is closed either way
        }
      }
    };
  }

  private void send(
      KeepAliveConnection.Target target,
      List<byte[]> bodies,
      int offset,
      AtomicInteger answered,
      AtomicInteger failed,
      AtomicReference<Exception> broken) {
    int i = offset;
    try {
      while (!stopped) {
        try (KeepAliveConnection connection = target.open()) {
          for (int n = 0; n < REVIEWS_PER_CONNECTION && !stopped && connection.isOpen(); n++) {
            KeepAliveConnection.Response r =
                connection.post(WebhookServer.PATH, bodies.get(i++ % bodies.size()));
            if (r.status() != 200) {
              failed.incrementAndGet();
            }
            if (r.status() >= 500) {
              brokenPath.compareAndSet(null, "a synthetic review was answered with " + r.status());
            }
            answered.incrementAndGet();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      broken.compareAndSet(null, e);
    }
  }

  /** Ends a warm-up still under way (the webhook is stopping). */
  @Override
  public void close() {
    stopped = true;
  }
}
