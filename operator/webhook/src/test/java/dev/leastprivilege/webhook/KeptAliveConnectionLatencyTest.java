package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The API server sends admissions one after another on connections it keeps alive. Each answer must
 * come at once, not after the client's delayed acknowledgement (up to 40 ms on Linux), which is
 * what Nagle's algorithm waits for when the server writes the headers and the body apart.
 */
class KeptAliveConnectionLatencyTest {
  @Test
  void admissionsOnOneKeptAliveConnectionAreNotHeldBackByNagle() throws Exception {
    try (TestWebhook webhook =
        TestWebhook.start(
            ns -> SyntheticReviews.policies(), ClusterReads.none(), new SimpleMeterRegistry())) {
      KeepAliveConnection.Target target =
          new KeepAliveConnection.Target(
              new InetSocketAddress("127.0.0.1", webhook.server().port()), webhook.caCertificate());
      byte[] body = SyntheticReviews.bodies().get(0);
      try (KeepAliveConnection connection = target.open()) {
        // Linux acknowledges at once for a connection's first few segments, then delays.
        for (int i = 0; i < 50; i++) {
          assertEquals(200, connection.post(WebhookServer.PATH, body).status());
        }
        long[] nanos = new long[100];
        for (int i = 0; i < nanos.length; i++) {
          long start = System.nanoTime();
          assertEquals(200, connection.post(WebhookServer.PATH, body).status());
          nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        double median = nanos[nanos.length / 2] / 1e6;
        // With Nagle every answer took over 40 ms; one patched pod takes about a millisecond.
        assertTrue(
            median < 20, "median per admission on one kept-alive connection: " + median + " ms");
        assertTrue(connection.isOpen(), "the connection is kept alive");
      }
    }
  }
}
