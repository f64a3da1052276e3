package dev.leastprivilege.controller;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 whose connections can be cut: an API server outage as a client sees
 * it, without losing the API server's state. While cut, every connection is closed as soon as it is
 * accepted, and counted, so a test sees its client try again and fail.
 */
final class CuttableProxy implements AutoCloseable {
  private final int targetPort;
  private final List<Socket> open = new ArrayList<>();
  private final ServerSocket server;
  private final AtomicInteger turnedAway = new AtomicInteger();
  private boolean cut;

  CuttableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Drops every connection and turns new ones away. */
  synchronized void cut() throws IOException {
    cut = true;
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  synchronized void restore() {
    cut = false;
  }

  /** How many connections were turned away while cut. */
  int turnedAway() {
    return turnedAway.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        synchronized (this) {
          if (cut) {
            client.close();
            turnedAway.incrementAndGet();
            continue;
          }
          Socket upstream;
          try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          } catch (IOException e) {
            client.close();
            continue;
          }
          open.add(client);
          open.add(upstream);
          pipe(client, upstream);
          pipe(upstream, client);
        }
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
      }
    }
  }

  private static void pipe(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException ignored) {
                // connection cut
              } finally {
                try {
                  from.close();
                  to.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    cut();
    server.close();
  }
}
