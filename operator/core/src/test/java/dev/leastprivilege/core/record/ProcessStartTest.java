package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcessStartTest {
  @Test
  void readsField22AfterACommandThatHoldsSpacesAndParentheses() {
    String stat =
        "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 105 0 0 0 0 0 0 0 20 0 1 0 98765 1822720"
            + " 187 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0";
    assertEquals(OptionalLong.of(98765), ProcessStart.ticks(stat));
    assertEquals(OptionalLong.empty(), ProcessStart.ticks("4242 (short) S 1"));
  }

  @Test
  void aRecordMadeBeforeTheProcessStartedIsNotItsPidWasReused() {
    long boot = 1_800_000_000L;
    long startTicks = 500; // 5 s after boot
    assertTrue(ProcessStart.couldHaveMade(startTicks, boot, (boot + 6) * 1000));
    assertTrue(ProcessStart.couldHaveMade(startTicks, boot, (boot + 5) * 1000 - 500), "slack");
    assertFalse(ProcessStart.couldHaveMade(startTicks, boot, (boot + 3) * 1000));
  }

  @Test
  void bootTimeFromProcStat() {
    assertEquals(
        OptionalLong.of(1795400000L),
        ProcessStart.bootTime("cpu  1 2 3\nctxt 99\nbtime 1795400000\nprocesses 7\n"));
  }
}
