package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RuntimeNoiseTest {
  @Test
  void runcsInitStagesAreTheRuntime() {
    SeccompRecord init =
        SeccompRecordParser.parse(SeccompRecordParserTest.KMSG_RUNC_INIT).orElseThrow();
    assertTrue(RuntimeNoise.isRuntime(init.comm(), init.exe()));
    assertTrue(RuntimeNoise.isRuntime("runc:[1:CHILD]", null));
  }

  @Test
  void theWorkloadIsNot() {
    SeccompRecord chown =
        SeccompRecordParser.parse(SeccompRecordParserTest.KMSG_CHOWN).orElseThrow();
    assertFalse(RuntimeNoise.isRuntime(chown.comm(), chown.exe()));
    // A workload may be called runc; only the init stages' names count.
    assertFalse(RuntimeNoise.isRuntime("runc", "/usr/bin/runc"));
    assertFalse(RuntimeNoise.isRuntime("<...>", null));
    assertFalse(RuntimeNoise.isRuntime(null, null));
  }
}
