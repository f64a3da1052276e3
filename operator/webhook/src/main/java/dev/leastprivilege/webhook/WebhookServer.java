package dev.leastprivilege.webhook;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/**
 * The HTTPS endpoint the API server calls: the JDK's HTTPS server with TLS 1.2/1.3, a key manager
 * that follows certificate rotation, and a small worker pool (planning a pod takes microseconds;
 * the pool only overlaps TLS and socket work).
 */
public final class WebhookServer implements AutoCloseable {
  public static final String PATH = "/mutate-pods";
  private final HttpsServer server;
  private final ExecutorService workers;

  private WebhookServer(HttpsServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /** Serves admissions with the planner. */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      MutationPlanner planner,
      PolicyCache cache,
      ClusterReads cluster,
      MeterRegistry registry)
      throws IOException {
    return start(address, keys, new AdmissionHandler(planner, cache, cluster, registry));
  }

  /** Serves any handler on the same TLS stack (the benchmark's no-op baseline uses this). */
  public static WebhookServer start(
      InetSocketAddress address,
      ReloadingKeyManager keys,
      com.sun.net.httpserver.HttpHandler handler)
      throws IOException {
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(new KeyManager[] {keys}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
    HttpsServer server = HttpsServer.create(address, 1024);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    ExecutorService workers =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "webhook");
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
