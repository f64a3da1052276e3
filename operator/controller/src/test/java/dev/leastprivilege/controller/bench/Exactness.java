package dev.leastprivilege.controller.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The moment one change's state became exact, as the watcher (or the operator's status) says. */
final class Exactness {
  private volatile CompletableFuture<Long> done = new CompletableFuture<>();

  /** Forgets the previous change. */
  void reset() {
    done = new CompletableFuture<>();
  }

  /** Records now, the first time only. */
  void reached() {
    done.complete(System.nanoTime());
  }

  boolean isReached() {
    return done.isDone();
  }

  long await(Duration timeout, String what) throws Exception {
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " not exact within " + timeout, e);
    }
  }
}
