package dev.leastprivilege.controller.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder on 127.0.0.1 in front of the API server that counts the bytes going each way. The
 * clients speak TLS to the API server through it, so what it counts is TLS records: bodies, HTTP/2
 * framing and headers, and the handshakes.
 */
final class CountingProxy implements AutoCloseable {
  /** Bytes and connections, at one moment. */
  record Counts(long toServer, long fromServer, long connections) {
    Counts minus(Counts before) {
      return new Counts(
          toServer - before.toServer,
          fromServer - before.fromServer,
          connections - before.connections);
    }
  }

  private final String name;
  private final int targetPort;
  private final ServerSocket server;
  private final List<Socket> open = new ArrayList<>();
  private final AtomicLong toServer = new AtomicLong();
  private final AtomicLong fromServer = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();

  CountingProxy(String name, int targetPort) throws IOException {
    this.name = name;
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "proxy-" + name);
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  Counts counts() {
    return new Counts(toServer.get(), fromServer.get(), connections.get());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream;
        try {
          upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        } catch (IOException e) {
          client.close();
          continue;
        }
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        synchronized (this) {
          open.add(client);
          open.add(upstream);
        }
        connections.incrementAndGet();
        pipe(client, upstream, toServer);
        pipe(upstream, client, fromServer);
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }

  private void pipe(Socket from, Socket to, AtomicLong counter) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[65536];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  out.write(buf, 0, n);
                  out.flush();
                  counter.addAndGet(n);
                }
              } catch (IOException ignored) {
                // one side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "proxy-" + name + "-pipe");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    synchronized (this) {
      open.forEach(CountingProxy::closeQuietly);
      open.clear();
    }
  }
}
