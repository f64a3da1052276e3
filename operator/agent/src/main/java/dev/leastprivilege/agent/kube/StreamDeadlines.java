package dev.leastprivilege.agent.kube;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes response streams that stall or outlive their time. The JDK's HTTP client has no read
 * timeout for a streamed body: over a connection that went away without a reset (a vanished node,
 * flushed conntrack) a read would block forever while the agent still looked alive. One thread
 * looks at every open stream every few seconds; nothing is scheduled per stream.
 */
final class StreamDeadlines implements AutoCloseable {
  static final Duration CHECK_EVERY = Duration.ofSeconds(5);

  private final Set<Guarded> open = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService checker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lpo-kube-deadlines");
            t.setDaemon(true);
            return t;
          });

  StreamDeadlines() {
    checker.scheduleWithFixedDelay(
        this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The body, closed when no byte has arrived for {@code idle}, or {@code total} after now,
   * whichever comes first, unless the caller closes it before.
   */
  InputStream guard(InputStream body, Duration idle, Duration total) {
    Guarded g = new Guarded(body, idle.toNanos(), System.nanoTime() + total.toNanos());
    open.add(g);
    return g;
  }

  private void check() {
    long now = System.nanoTime();
    for (Guarded g : open) {
      if (now - g.lastRead > g.idleNanos || now - g.closeAt > 0) {
        g.expire();
      }
    }
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }

  private final class Guarded extends FilterInputStream {
    final long idleNanos;
    final long closeAt;
    volatile long lastRead = System.nanoTime();

    Guarded(InputStream in, long idleNanos, long closeAt) {
      super(in);
      this.idleNanos = idleNanos;
      this.closeAt = closeAt;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      lastRead = System.nanoTime();
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      lastRead = System.nanoTime();
      return n;
    }

    /** Closes the stream under its reader, which then sees it end or fail. */
    void expire() {
      try {
        close();
      } catch (IOException e) {
        // Closing is all that is wanted.
      }
    }

    @Override
    public void close() throws IOException {
      open.remove(this);
      super.close();
    }
  }
}
