package dev.leastprivilege.controller.bench;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Each simulated node's report writer, as the agent's NodeStatusReporter does it: a change asks for
 * a write {@code delay} later, the changes meanwhile are written together, and a failed write is
 * tried again 2 s later. The nodes share a small thread pool.
 */
final class Debouncer {
  private static final long RETRY_MILLIS = 2000;

  private final ScheduledExecutorService pool;
  private final long delayMillis;
  private final IntConsumer write;
  private final AtomicBoolean[] scheduled;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong failures = new AtomicLong();

  Debouncer(ScheduledExecutorService pool, int nodes, long delayMillis, IntConsumer write) {
    this.pool = pool;
    this.delayMillis = delayMillis;
    this.write = write;
    this.scheduled = new AtomicBoolean[nodes];
    for (int i = 0; i < nodes; i++) {
      scheduled[i] = new AtomicBoolean();
    }
  }

  void changedAll() {
    for (int i = 0; i < scheduled.length; i++) {
      changed(i);
    }
  }

  void changed(int node) {
    if (scheduled[node].compareAndSet(false, true)) {
      pending.incrementAndGet();
      pool.schedule(() -> flush(node), delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void flush(int node) {
    scheduled[node].set(false);
    try {
      write.accept(node);
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      if (scheduled[node].compareAndSet(false, true)) {
        pending.incrementAndGet();
        pool.schedule(() -> flush(node), RETRY_MILLIS, TimeUnit.MILLISECONDS);
      }
    } finally {
      pending.decrementAndGet();
    }
  }

  /** No write is waiting or running. */
  boolean idle() {
    return pending.get() == 0;
  }

  long failures() {
    return failures.get();
  }
}
