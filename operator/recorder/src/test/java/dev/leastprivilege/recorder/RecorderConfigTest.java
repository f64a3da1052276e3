package dev.leastprivilege.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecorderConfigTest {
  @TempDir Path dir;

  @Test
  void defaults() {
    RecorderConfig c =
        RecorderConfig.fromEnvironment(
            Map.of("NODE_NAME", "n1", "LPO_RECORDER_AUDIT_LOG", dir.resolve("none").toString()));
    assertEquals("n1", c.nodeName());
    assertEquals(RecorderConfig.SeccompSource.KMSG, c.seccompSource(), "no audit log: kmsg");
    assertEquals(Path.of("/dev/kmsg"), c.kmsg());
    assertEquals(Path.of("/sys/kernel/tracing"), c.tracefs());
    assertEquals("lpo-recorder-n1", c.traceInstance(), "one per node: kind nodes share a kernel");
    assertEquals(Path.of("/proc"), c.proc());
    assertEquals(Duration.ofSeconds(10), c.reportInterval());
    assertEquals(8082, c.healthPort());
  }

  @Test
  void autoReadsTheAuditLogWhenItExists() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "");
    RecorderConfig c =
        RecorderConfig.fromEnvironment(
            Map.of("NODE_NAME", "n1", "LPO_RECORDER_AUDIT_LOG", log.toString()));
    assertEquals(RecorderConfig.SeccompSource.AUDIT_LOG, c.seccompSource());
    assertEquals(
        RecorderConfig.SeccompSource.KMSG,
        RecorderConfig.fromEnvironment(
                Map.of(
                    "NODE_NAME", "n1",
                    "LPO_RECORDER_AUDIT_LOG", log.toString(),
                    "LPO_RECORDER_SECCOMP_SOURCE", "kmsg"))
            .seccompSource(),
        "an explicit source wins");
  }

  @Test
  void badValuesAreNamed() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> RecorderConfig.fromEnvironment(Map.of()))
            .getMessage()
            .contains("NODE_NAME"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    RecorderConfig.fromEnvironment(
                        Map.of("NODE_NAME", "n1", "LPO_RECORDER_REPORT_SECONDS", "0")))
            .getMessage()
            .contains("LPO_RECORDER_REPORT_SECONDS=0"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    RecorderConfig.fromEnvironment(
                        Map.of("NODE_NAME", "n1", "LPO_RECORDER_SECCOMP_SOURCE", "journald")))
            .getMessage()
            .contains("kmsg, audit-log or auto"));
  }
}
