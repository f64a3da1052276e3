package dev.leastprivilege.controller;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a test set up, taken down in reverse order. Each step is added as soon as what it stops has
 * started, so a set-up that fails halfway stops exactly what it started; every step runs even when
 * an earlier one fails, and closing twice does nothing the second time.
 */
final class Closer implements AutoCloseable {
  private final Deque<AutoCloseable> steps = new ArrayDeque<>();

  /** Stops {@code resource} at {@link #close()}, before everything added earlier. */
  synchronized <T extends AutoCloseable> T add(T resource) {
    steps.push(resource);
    return resource;
  }

  /**
   * Runs every step, most recent first; throws the first failure, with the later ones suppressed.
   */
  @Override
  public synchronized void close() throws Exception {
    Throwable first = null;
    while (!steps.isEmpty()) {
      try {
        steps.pop().close();
      } catch (Exception | Error e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof Error error) {
      throw error;
    }
    if (first != null) {
      throw (Exception) first;
    }
  }
}
