package dev.leastprivilege.webhook;

import dev.leastprivilege.webhook.tls.Pems;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Clients that connect to the webhook and then take their time, as a hostile or broken client
 * would: each sends one byte per {@code interval} and, when the server closes its connection,
 * records how long the connection lived and connects again, until closed.
 */
public final class SlowClients implements AutoCloseable {
  public enum Kind {
    /** Connects and sends nothing. */
    SILENT,
    /** Sends its TLS ClientHello a byte at a time. */
    TRICKLED_HANDSHAKE,
    /** Completes the handshake, then sends the request line and headers a byte at a time. */
    TRICKLED_HEADERS,
    /** Sends complete headers announcing a body, then the body a byte at a time. */
    TRICKLED_BODY
  }

  /** A connection the server closed, and how long after it was opened. */
  public record Cut(Kind kind, Duration lived) {}

  private final InetSocketAddress target;
  private final SSLContext tls;
  private final Duration interval;
  private final List<Thread> threads = new ArrayList<>();
  private final ConcurrentLinkedQueue<Cut> cuts = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> surprises = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
  private final Set<Thread> engaged = ConcurrentHashMap.newKeySet();
  private final CountDownLatch allEngaged;
  private volatile boolean stopped;

  private SlowClients(InetSocketAddress target, SSLContext tls, Duration interval, int clients) {
    this.target = target;
    this.tls = tls;
    this.interval = interval;
    this.allEngaged = new CountDownLatch(clients);
  }

  /** Starts {@code perKind} clients of every kind against a server whose CA is {@code caPem}. */
  public static SlowClients start(
      InetSocketAddress target, String caPem, int perKind, Duration interval) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pems.certificates(caPem).get(0));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    SlowClients clients = new SlowClients(target, tls, interval, perKind * Kind.values().length);
    for (Kind kind : Kind.values()) {
      for (int i = 0; i < perKind; i++) {
        Thread t = new Thread(() -> clients.loop(kind), "slow-" + kind + "-" + i);
        t.setDaemon(true);
        clients.threads.add(t);
        t.start();
      }
    }
    return clients;
  }

  /**
   * Waits until every client has connected and begun to be slow: a silent one connected, a
   * trickling one past its first byte (for headers and body, after a completed TLS handshake). True
   * when all got there within {@code timeout}.
   */
  public boolean awaitEngaged(Duration timeout) throws InterruptedException {
    return allEngaged.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Fails unless every client has got that far within {@code timeout}, saying how many did and what
   * else happened.
   */
  public void assertEngaged(Duration timeout) throws InterruptedException {
    if (!awaitEngaged(timeout)) {
      throw new AssertionError(
          "slow clients connected: "
              + engaged()
              + " of "
              + threads.size()
              + " within "
              + timeout
              + "; "
              + surprises());
    }
  }

  /** How many clients have got that far, for a failure's message. */
  public int engaged() {
    return engaged.size();
  }

  /** Connections the server closed so far. */
  public List<Cut> cuts() {
    return List.copyOf(cuts);
  }

  /** Anything other than the server closing the connection (a response, a failed connect). */
  public List<String> surprises() {
    return List.copyOf(surprises);
  }

  private void loop(Kind kind) {
    while (!stopped) {
      long opened = System.nanoTime();
      try (Socket socket = new Socket()) {
        open.add(socket);
        socket.connect(target, 5000);
        opened = System.nanoTime();
        switch (kind) {
          case SILENT -> {
            engage();
            awaitClose(socket.getInputStream());
          }
          case TRICKLED_HANDSHAKE -> trickle(socket.getOutputStream(), clientHello());
          case TRICKLED_HEADERS -> {
            OutputStream out = handshake(socket);
            trickle(
                out,
                ("POST "
                        + WebhookServer.PATH
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                        + "a".repeat(100_000))
                    .getBytes(StandardCharsets.US_ASCII));
          }
          case TRICKLED_BODY -> {
            OutputStream out = handshake(socket);
            out.write(
                ("POST "
                        + WebhookServer.PATH
                        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            trickle(out, " ".repeat(100_000).getBytes(StandardCharsets.US_ASCII));
          }
        }
        if (!stopped) {
          surprises.add(kind + ": sent everything without being cut off");
        }
      } catch (IOException e) {
        if (!stopped) {
          cuts.add(new Cut(kind, Duration.ofNanos(System.nanoTime() - opened)));
        }
      } catch (RuntimeException | InterruptedException e) {
        if (!stopped) {
          surprises.add(kind + ": " + e);
        }
      }
      open.removeIf(Socket::isClosed);
    }
  }

  /** Blocks until the server closes the connection; a byte from it is a surprise. */
  private void awaitClose(InputStream in) throws IOException {
    int b = in.read();
    if (b >= 0 && !stopped) {
      surprises.add("SILENT: the server sent a byte");
    }
    throw new IOException("closed");
  }

  private void trickle(OutputStream out, byte[] bytes) throws IOException, InterruptedException {
    for (byte b : bytes) {
      if (stopped) {
        return;
      }
      out.write(b);
      out.flush();
      engage();
      Thread.sleep(interval.toMillis());
    }
  }

  /** This client's first connection is being slow: counted once per client. */
  private void engage() {
    if (engaged.add(Thread.currentThread())) {
      allEngaged.countDown();
    }
  }

  private OutputStream handshake(Socket plain) throws IOException {
    SSLSocket ssl =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(plain, target.getHostString(), target.getPort(), true);
    ssl.startHandshake();
    return ssl.getOutputStream();
  }

  /** The first flight of a real TLS client, to be sent by hand. */
  private byte[] clientHello() throws IOException {
    SSLEngine engine = tls.createSSLEngine(target.getHostString(), target.getPort());
    engine.setUseClientMode(true);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] hello = new byte[out.remaining()];
    out.get(hello);
    return hello;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // closing is all we want
      }
    }
    for (Thread t : threads) {
      t.join(5000);
    }
  }
}
