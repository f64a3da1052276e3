package dev.leastprivilege.webhook;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/**
 * The HTTPS endpoint the API server calls: the JDK's HTTPS server with TLS 1.2/1.3, a key manager
 * that follows certificate rotation, and limits that keep slow or hostile clients from stalling
 * admissions.
 *
 * <p>How the JDK server spends its threads decides those limits. One dispatcher thread accepts
 * connections and waits, without blocking, for a connection's first byte; from then on the
 * connection is handed to a worker, which does the TLS handshake, reads the request line, headers
 * and body, runs the handler and writes the answer, all with blocking reads. A client that sends
 * one byte and then trickles therefore holds a worker until it finishes or is cut off. So:
 *
 * <ul>
 *   <li>{@link Limits#requestTimeout()} ({@code sun.net.httpserver.maxReqTime}) closes a connection
 *       that has not delivered its whole request (handshake, headers and body) that long after its
 *       first byte, and one that sends nothing at all that long after it connected;
 *   <li>there is a worker for every connection the server accepts ({@link Limits#maxConnections()},
 *       {@code jdk.httpserver.maxConnections}), so no request ever waits for a thread behind slow
 *       ones: slow clients can only take connections, each for at most the request timeout;
 *   <li>a kept-alive connection that stays idle is closed after {@link Limits#idleTimeout()}; an
 *       idle connection holds no worker.
 * </ul>
 *
 * <p>Its sockets have TCP_NODELAY ({@code sun.net.httpserver.nodelay}), so an answer is never held
 * back waiting for the client to acknowledge its headers.
 *
 * <p>The JDK reads these limits from system properties once per process, when the first {@code
 * com.sun.net.httpserver} server is created. {@link #start} sets them before it creates its server;
 * a process that also serves other HTTP endpoints (health, metrics) must start the webhook first or
 * call {@link Limits#apply()} before any of them, and must give every webhook server in the process
 * the same limits.
 */
public final class WebhookServer implements AutoCloseable {
  public static final String PATH = "/mutate-pods";

  /**
   * How long a connection may take to receive its answer once its request is read: the longest an
   * API server waits for a webhook ({@code timeoutSeconds} is at most 30).
   */
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How often the JDK's timer looks for connections past their time (its default is 10 s, which
   * would let a silent connection live 10 s past its deadline).
   */
  static final Duration TIMER_TICK = Duration.ofSeconds(1);

  private final HttpsServer server;
  private final ExecutorService workers;

  /**
   * What one connection may cost the webhook.
   *
   * @param requestTimeout time from a connection's first byte to the end of its request (TLS
   *     handshake, headers and body), and the longest a new connection may stay silent; whole
   *     seconds, as the JDK counts them
   * @param idleTimeout how long a kept-alive connection may wait for its next request
   * @param maxConnections connections served at once, each with a worker of its own; more are
   *     closed as soon as they are accepted
   */
  public record Limits(Duration requestTimeout, Duration idleTimeout, int maxConnections) {
    /**
     * An API server sends its whole request within milliseconds and gives up after {@code
     * timeoutSeconds} (5 in the chart); it keeps a few dozen connections per webhook open.
     */
    public static final Limits DEFAULT =
        new Limits(Duration.ofSeconds(10), Duration.ofSeconds(60), 256);

    private static Limits applied;

    public Limits {
      if (requestTimeout.toMillis() < 1000 || requestTimeout.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException(
            "request timeout: whole seconds, at least 1 (got " + requestTimeout + ")");
      }
      if (idleTimeout.toMillis() < 1000 || idleTimeout.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException(
            "idle timeout: whole seconds, at least 1 (got " + idleTimeout + ")");
      }
      if (maxConnections < 1) {
        throw new IllegalArgumentException(
            "max connections: at least 1 (got " + maxConnections + ")");
      }
    }

    /**
     * Sets the JDK server's properties for this process. Only the first call takes effect (the JDK
     * reads them once), so a second one with other limits is an error rather than silently ignored.
     */
    public void apply() {
      synchronized (Limits.class) {
        if (applied != null) {
          if (!applied.equals(this)) {
            throw new IllegalStateException(
                "the JDK's HTTP server takes its limits once per process: "
                    + applied
                    + " are in force, "
                    + this
                    + " cannot be set");
          }
          return;
        }
        System.setProperty(
            "sun.net.httpserver.maxReqTime", Long.toString(requestTimeout.toSeconds()));
        System.setProperty(
            "sun.net.httpserver.maxRspTime", Long.toString(RESPONSE_TIMEOUT.toSeconds()));
        System.setProperty(
            "sun.net.httpserver.idleInterval", Long.toString(idleTimeout.toSeconds()));
        System.setProperty("sun.net.httpserver.clockTick", Long.toString(TIMER_TICK.toMillis()));
        System.setProperty("sun.net.httpserver.timerMillis", Long.toString(TIMER_TICK.toMillis()));
        System.setProperty("jdk.httpserver.maxConnections", Integer.toString(maxConnections));
        // The JDK server writes an answer's headers and its body as two TLS records. Without
        // TCP_NODELAY, Nagle's algorithm holds the body until the client acknowledges the headers,
        // and a client on a kept-alive connection (the API server's) delays that acknowledgement
        // by up to 40 ms: every admission after a connection's first few took over 40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        applied = this;
      }
    }
  }

  private WebhookServer(HttpsServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /** Serves admissions with the planner, with the default limits. */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      MutationPlanner planner,
      PolicyCache cache,
      ClusterReads cluster,
      MeterRegistry registry)
      throws IOException {
    return start(address, keys, planner, cache, cluster, registry, Limits.DEFAULT);
  }

  /** Serves admissions with the planner. */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      MutationPlanner planner,
      PolicyCache cache,
      ClusterReads cluster,
      MeterRegistry registry,
      Limits limits)
      throws IOException {
    return start(address, keys, new AdmissionHandler(planner, cache, cluster, registry), limits);
  }

  /** Serves any handler on the same TLS stack (the benchmark's no-op baseline uses this). */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      com.sun.net.httpserver.HttpHandler handler)
      throws IOException {
    return start(address, keys, handler, Limits.DEFAULT);
  }

  /** Serves any handler on the same TLS stack, with these limits. */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      com.sun.net.httpserver.HttpHandler handler,
      Limits limits)
      throws IOException {
    limits.apply();
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keys}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
    HttpsServer server = HttpsServer.create(address, 1024);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    // A thread for each request, made when none is free and ended after a minute unused: the
    // server holds at most maxConnections connections, each with one request at a time, so there
    // are never more threads than that, and a request never waits behind another for one.
    AtomicInteger n = new AtomicInteger();
    ExecutorService workers =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "webhook-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(workers);
    server.createContext(PATH, handler);
    server.start();
    return new WebhookServer(server, workers);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(1);
    workers.shutdown();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
