package dev.leastprivilege.agent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A response stream that stalls is closed under its reader, as a connection that died without a
 * reset would otherwise block it forever; one that flows is closed at its total deadline. Over a
 * real socket, as the HTTP client's streams are.
 */
class StreamDeadlinesTest {
  /** A few of the checker's rounds: the most a deadline may be late. */
  private static final Duration LATE = StreamDeadlines.CHECK_EVERY.multipliedBy(3);

  @Test
  void aStalledStreamIsClosedUnderItsReader() throws Exception {
    try (StreamDeadlines deadlines = new StreamDeadlines();
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
        Socket server = listener.accept()) {
      InputStream body =
          deadlines.guard(client.getInputStream(), Duration.ofMillis(100), Duration.ofHours(1));
      server.getOutputStream().write('x');
      assertEquals('x', body.read());
      // Nothing more comes, and the connection stays open: the read must end, not block.
      int last = assertTimeoutPreemptively(LATE, () -> readOrFail(body));
      assertTrue(last < 0, "the read ended: " + last);
    }
  }

  @Test
  void aStreamPastItsTotalIsClosedEvenIfItFlows() throws Exception {
    try (StreamDeadlines deadlines = new StreamDeadlines();
        ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
        Socket server = listener.accept()) {
      InputStream body =
          deadlines.guard(client.getInputStream(), Duration.ofHours(1), Duration.ofMillis(100));
      Thread trickle = new Thread(() -> trickle(server), "trickle");
      trickle.setDaemon(true);
      trickle.start();
      int last =
          assertTimeoutPreemptively(
              LATE,
              () -> {
                int b;
                do {
                  b = readOrFail(body);
                } while (b >= 0);
                return b;
              });
      assertTrue(last < 0);
      trickle.interrupt();
    }
  }

  /** The byte read, -1 at the end of the stream, -2 when the read failed (a closed socket). */
  private static int readOrFail(InputStream in) {
    try {
      return in.read();
    } catch (IOException e) {
      return -2;
    }
  }

  /** A byte every 50 ms until the socket or the thread ends. */
  private static void trickle(Socket server) {
    try {
      OutputStream out = server.getOutputStream();
      while (!Thread.currentThread().isInterrupted()) {
        out.write('x');
        out.flush();
        Thread.sleep(50);
      }
    } catch (IOException | InterruptedException e) {
      // the client closed, or the test ended
    }
  }
}
