package dev.leastprivilege.controller;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 whose connections can be cut and whose port can be closed and reopened: an API
 * server outage as a client sees it, without losing the API server's state.
 */
final class CuttableProxy implements AutoCloseable {
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final int port;
  private volatile ServerSocket server;

  CuttableProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.port = server.getLocalPort();
    accept(server);
  }

  int port() {
    return port;
  }

  /** Drops every connection and refuses new ones. */
  void cut() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    open.clear();
  }

  void restore() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    accept(s);
  }

  private void accept(ServerSocket s) {
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try {
          Socket client = s.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          open.add(client);
          open.add(upstream);
          pipe(client, upstream);
          pipe(upstream, client);
        } catch (IOException e) {
          return;
        }
      }
    }, "proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  private static void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
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
    }, "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
