package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real-API-server ITs' teardown: nothing started is left running, whatever fails on the way
 * down.
 */
class CloserTest {
  private final List<String> closed = new ArrayList<>();
  private final Closer closer = new Closer();

  @Test
  void closesEverythingMostRecentFirst() throws Exception {
    closer.add(() -> closed.add("api server"));
    closer.add(() -> closed.add("operator"));
    closer.add(() -> closed.add("agent"));
    closer.close();
    assertEquals(List.of("agent", "operator", "api server"), closed);
  }

  @Test
  void aFailingStepDoesNotStopTheOthersAndEveryFailureIsReported() {
    IllegalStateException agent = new IllegalStateException("agent would not stop");
    AssertionError webhook = new AssertionError("webhook would not stop");
    closer.add(() -> closed.add("api server"));
    closer.add(
        () -> {
          throw agent;
        });
    closer.add(
        () -> {
          throw webhook;
        });
    AssertionError thrown = assertThrows(AssertionError.class, closer::close);
    assertEquals(webhook, thrown);
    assertArrayEquals(new Throwable[] {agent}, thrown.getSuppressed());
    assertEquals(List.of("api server"), closed);
  }

  @Test
  void closingTwiceStopsNothingTwice() throws Exception {
    closer.add(() -> closed.add("api server"));
    closer.close();
    closer.close();
    assertEquals(List.of("api server"), closed);
  }
}
