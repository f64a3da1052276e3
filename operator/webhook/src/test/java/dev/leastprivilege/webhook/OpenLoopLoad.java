package dev.leastprivilege.webhook;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Open-loop load on a webhook, sent as the API server sends it: over a fixed pool of HTTP/1.1
 * connections kept alive, one request at a time on each.
 *
 * <p>Request {@code i} is due at {@code i / rate} seconds after the start whatever happened before
 * it, and its latency is measured from that due time: a request that waits for a free connection
 * (all of them busy with slower answers) counts that wait, so a stall cannot hide behind fewer
 * requests sent. A request takes the most recently used idle connection, and a new connection is
 * opened only when none is idle and fewer than the pool's size are open, as the API server's client
 * does; its handshake counts in that request's latency. So a fresh replica gets a handful of
 * connections when it answers quickly, and up to the pool's size when it does not.
 *
 * <p>Why a fixed pool: the JDK's HttpClient opens a new TLS connection whenever every connection it
 * has is busy, so under load the generator spent the machine's cores on handshakes and collapsed
 * before the server did. The API server's webhook client (client-go's transport) keeps up to 25
 * idle connections per webhook host ({@code MaxIdleConnsPerHost}), so {@link #API_SERVER_POOL}
 * connections is what an API server holds open to a busy webhook. (Go would dial more while all 25
 * are busy and close the extra ones afterwards; a request here waits instead, and the wait counts.)
 */
public final class OpenLoopLoad {
  /**
   * The pod the benchmarks admit: a typical Deployment's pod (labels, env, probes, resources, one
   * container asking for CHOWN), created in namespace "bench".
   */
  public static final String POD =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-7d9f8b-","namespace":"bench",
       "labels":{"app":"web","pod-template-hash":"7d9f8b"},
       "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b","uid":"0b6c","controller":true}]},
       "spec":{"containers":[{"name":"web","image":"registry.example/web:1.4.2","ports":[{"containerPort":80}],
         "env":[{"name":"MODE","value":"production"},{"name":"LOG_LEVEL","value":"info"}],
         "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},
         "readinessProbe":{"httpGet":{"path":"/healthz","port":80},"periodSeconds":5},
         "securityContext":{"runAsUser":1000,"capabilities":{"add":["CHOWN"]}}}],
        "serviceAccountName":"default","terminationGracePeriodSeconds":30}}
      """;

  /** The namespace of {@link #POD}. */
  public static final String NAMESPACE = "bench";

  /** The AdmissionReview the load sends: {@link #POD} being created. */
  public static byte[] review() throws IOException {
    return AdmissionClient.createReview(AdmissionReviews.JSON.readTree(POD), NAMESPACE)
        .toString()
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** An answer that admits the pod (patched or not). */
  public static boolean admitted(KeepAliveConnection.Response r) {
    return r.status() == 200 && r.text().contains("\"allowed\":true");
  }

  /** Connections client-go's transport keeps open per host: its MaxIdleConnsPerHost. */
  public static final int API_SERVER_POOL = 25;

  /** What a run measured: for each request, its latency and whether it failed. */
  public static final class Recording {
    private final int rate;
    private final long[] latencyNanos;
    private final boolean[] failed;
    private final int connectionsOpened;

    Recording(int rate, long[] latencyNanos, boolean[] failed, int connectionsOpened) {
      this.rate = rate;
      this.latencyNanos = latencyNanos;
      this.failed = failed;
      this.connectionsOpened = connectionsOpened;
    }

    public int connectionsOpened() {
      return connectionsOpened;
    }

    /** The requests due from {@code from} to {@code to} after the start. */
    public Stats window(Duration from, Duration to) {
      return range(index(from), index(to));
    }

    private int index(Duration offset) {
      return (int) Math.min(latencyNanos.length, offset.toMillis() * rate / 1000);
    }

    private Stats range(int first, int end) {
      long[] sorted = Arrays.copyOfRange(latencyNanos, first, end);
      Arrays.sort(sorted);
      int errors = 0;
      for (int i = first; i < end; i++) {
        errors += failed[i] ? 1 : 0;
      }
      return new Stats(sorted, errors);
    }

    /** Every request. */
    public Stats all() {
      return range(0, latencyNanos.length);
    }
  }

  /** Latency percentiles (milliseconds) and errors of some requests. */
  public record Stats(long[] sortedNanos, int errors) {
    public int requests() {
      return sortedNanos.length;
    }

    public double percentile(double p) {
      return sortedNanos.length == 0
          ? Double.NaN
          : sortedNanos[
                  (int)
                      Math.max(
                          0,
                          Math.min(
                              sortedNanos.length - 1, Math.ceil(p / 100 * sortedNanos.length) - 1))]
              / 1e6;
    }

    public double max() {
      return sortedNanos.length == 0 ? Double.NaN : sortedNanos[sortedNanos.length - 1] / 1e6;
    }
  }

  private OpenLoopLoad() {}

  /**
   * Sends {@code body} to {@code path} at {@code rate} per second for {@code duration} over {@code
   * connections} connections; a request fails when it gets no answer or {@code ok} refuses the
   * answer.
   */
  public static Recording run(
      KeepAliveConnection.Target target,
      String path,
      byte[] body,
      Predicate<KeepAliveConnection.Response> ok,
      int rate,
      Duration duration,
      int connections)
      throws InterruptedException {
    int total = (int) (duration.toMillis() * rate / 1000);
    long[] latency = new long[total];
    boolean[] failed = new boolean[total];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    long start = System.nanoTime() + 10_000_000L; // every worker is parked before the first is due
    // Idle connections, the most recently used first: client-go's transport (Go's http.Transport)
    // takes an idle connection if there is one and dials a new one otherwise, so a fresh replica
    // gets only as many connections (and handshakes) as its answers' speed calls for.
    Deque<KeepAliveConnection> idle = new ConcurrentLinkedDeque<>();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < connections; w++) {
      Thread t =
          new Thread(
              () -> {
                for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                  long due = start + (long) ((double) i * 1e9 / rate);
                  for (long wait = due - System.nanoTime();
                      wait > 0;
                      wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                  }
                  boolean good;
                  KeepAliveConnection c = idle.pollFirst();
                  try {
                    if (c == null || !c.isOpen()) {
                      c = target.open();
                      opened.incrementAndGet();
                    }
                    good = ok.test(c.post(path, body));
                    if (c.isOpen()) {
                      idle.offerFirst(c);
                    }
                  } catch (IOException | RuntimeException e) {
                    good = false;
                  }
                  latency[i] = System.nanoTime() - due;
                  failed[i] = !good;
                }
              },
              "load-" + w);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    idle.forEach(KeepAliveConnection::close);
    return new Recording(rate, latency, failed, opened.get());
  }
}
