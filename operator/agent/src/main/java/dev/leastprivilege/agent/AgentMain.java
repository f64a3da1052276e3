package dev.leastprivilege.agent;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's entry point in the DaemonSet: start, serve /healthz and /readyz, run until stopped.
 */
public final class AgentMain {
  private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

  private AgentMain() {}

  public static void main(String[] args) throws Exception {
    AgentConfig config;
    try {
      config = AgentConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    Agent agent = new Agent(client, config);
    int port = Integer.parseInt(System.getenv().getOrDefault("HEALTH_PORT", "8081"));
    HttpServer health = HttpServer.create(new InetSocketAddress(port), 0);
    health.createContext("/healthz", ex -> respond(ex, 200, "ok"));
    health.createContext(
        "/readyz",
        ex ->
            respond(
                ex,
                agent.isReady() ? 200 : 503,
                agent.isReady() ? "ready" : "not ready: still syncing profiles"));
    health.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  health.stop(0);
                  client.close();
                }));
    LOG.info(
        "starting agent for node {} (namespace {}, root {})",
        config.nodeName(),
        config.namespace(),
        config.seccompRoot());
    agent.start();
    Thread.currentThread().join();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange ex, int code, String body)
      throws java.io.IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
