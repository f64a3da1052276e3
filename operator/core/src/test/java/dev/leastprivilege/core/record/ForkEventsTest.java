package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ForkEventsTest {
  @Test
  void readsParentAndChildOfAForkLine() {
    assertEquals(
        Optional.of(new ForkEvents.Fork(4242, 4243)),
        ForkEvents.parse(
            "              sh-4242    [003] ..... 1234.567890: sched_process_fork: comm=sh"
                + " pid=4242 child_comm=sh child_pid=4243"));
    assertEquals(
        Optional.empty(),
        ForkEvents.parse("sh-4242 [003] ..... 1234.5: cap_capable: cred 0, cap 0, ret 0"));
  }
}
