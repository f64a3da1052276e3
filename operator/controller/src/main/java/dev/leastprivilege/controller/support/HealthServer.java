package dev.leastprivilege.controller.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** /healthz, /readyz and /metrics (Prometheus text) on one small HTTP port. */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  public HealthServer(
      int port, BooleanSupplier healthy, BooleanSupplier ready, Supplier<String> metrics)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext(
        "/healthz",
        ex -> respond(ex, healthy.getAsBoolean(), "ok", "unhealthy: an informer stopped"));
    server.createContext(
        "/readyz", ex -> respond(ex, ready.getAsBoolean(), "ready", "not ready: starting"));
    server.createContext(
        "/metrics", ex -> send(ex, 200, metrics.get(), "text/plain; version=0.0.4"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange ex, boolean ok, String yes, String no)
      throws IOException {
    send(ex, ok ? 200 : 503, (ok ? yes : no) + "\n", "text/plain");
  }

  private static void send(HttpExchange ex, int code, String body, String type) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
