package dev.leastprivilege.recorder;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recorder's entry point, a container of the agent's DaemonSet: start, serve /healthz and
 * /readyz, run until stopped; on SIGTERM it removes its trace instance and writes a last report.
 */
public final class RecorderMain {
  private static final Logger LOG = LoggerFactory.getLogger(RecorderMain.class);

  private RecorderMain() {}

  public static void main(String[] args) throws Exception {
    RecorderConfig config;
    try {
      config = RecorderConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder().withWatchList(false).build())
            .build();
    Recorder recorder = new Recorder(client, config);
    HttpServer health = HttpServer.create(new InetSocketAddress(config.healthPort()), 0);
    // Alive while its sources and watches run: a stopped reader would leave the node's report
    // frozen, so the kubelet restarts the recorder.
    health.createContext(
        "/healthz",
        ex ->
            respond(
                ex,
                recorder.isHealthy() ? 200 : 500,
                recorder.isHealthy() ? "ok" : "a source or a watch of the recorder has stopped"));
    health.createContext(
        "/readyz",
        ex ->
            respond(
                ex,
                recorder.isReady() ? 200 : 503,
                recorder.isReady() ? "ready" : "not ready: still syncing pods and profiles"));
    health.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  recorder.close();
                  health.stop(0);
                  client.close();
                }));
    LOG.info(
        "starting recorder for node {} (seccomp from {}, tracefs {}, proc {})",
        config.nodeName(),
        config.seccompSource().statusName(),
        config.tracefs(),
        config.proc());
    try {
      recorder.start();
    } catch (Exception e) {
      LOG.error("the recorder could not start: {}", e.toString(), e);
      System.exit(1);
    }
    Thread.currentThread().join();
  }

  private static void respond(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
