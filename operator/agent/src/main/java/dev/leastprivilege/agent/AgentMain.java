package dev.leastprivilege.agent;

import com.sun.net.httpserver.HttpServer;
import dev.leastprivilege.agent.kube.KubeApi;
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

  static final String WINDOW_PROPERTY = "jdk.httpclient.windowsize";
  static final int WINDOW_BYTES = 1024 * 1024;

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
    // The HTTP/2 flow-control window of a stream: how much of a list the HTTP client may buffer
    // ahead of the agent, which writes each profile as it reads it (the JDK's default is 16 MiB).
    if (System.getProperty(WINDOW_PROPERTY) == null) {
      System.setProperty(WINDOW_PROPERTY, Integer.toString(WINDOW_BYTES));
    }
    KubeApi api = KubeApi.fromEnvironment("lpo-agent");
    Agent agent = new Agent(api, config);
    int port = Integer.parseInt(System.getenv().getOrDefault("HEALTH_PORT", "8081"));
    HttpServer health = HttpServer.create(new InetSocketAddress(port), 0);
    // Alive while its watch runs (or before it first started): a stopped watch would leave the
    // node's report frozen, so the kubelet restarts the agent.
    health.createContext(
        "/healthz",
        ex ->
            respond(
                ex,
                agent.isWatching() ? 200 : 500,
                agent.isWatching() ? "ok" : "the watch of the rendered profiles has stopped"));
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
                }));
    ClassDataArchiveCheck.warning(
            ClassDataArchiveCheck.ownCommandLine(), System.getProperty("java.vm.info"))
        .ifPresent(LOG::warn);
    LOG.info(
        "starting agent for node {} (namespace {}, root {})",
        config.nodeName(),
        config.namespace(),
        config.seccompRoot());
    try {
      agent.start();
    } catch (Exception e) {
      // Exit, so that the kubelet restarts the agent, rather than run on, unready, forever.
      LOG.error("the agent could not start: {}", e.toString(), e);
      System.exit(1);
    }
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
