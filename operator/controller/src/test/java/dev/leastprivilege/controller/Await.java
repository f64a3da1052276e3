package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls until a condition holds, and fails with a description of the last state otherwise. */
public final class Await {
  private Await() {}

  public static void until(Duration timeout, Supplier<Boolean> condition, Supplier<String> describe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
      } catch (RuntimeException e) {
        // not there yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    fail("timed out after " + timeout.toSeconds() + "s: " + describe.get());
  }
}
