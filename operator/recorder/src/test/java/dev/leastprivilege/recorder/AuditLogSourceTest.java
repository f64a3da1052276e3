package dev.leastprivilege.recorder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Following audit.log as auditd writes and rotates it. */
class AuditLogSourceTest {
  @TempDir Path dir;

  final List<String> lines = new CopyOnWriteArrayList<>();
  final RecordSink sink =
      new RecordSink() {
        @Override
        public void seccompLine(String line) {
          lines.add(line);
        }

        @Override
        public void traceLine(String line) {}

        @Override
        public void lost(long records) {}
      };

  @Test
  void readsFromTheEndAndSurvivesRotationAndTruncation() throws Exception {
    Path log = Files.writeString(dir.resolve("audit.log"), "type=OLD msg=audit(1.0:1): before\n");
    AuditLogSource source = new AuditLogSource(log, sink);
    Thread t = new Thread(source);
    t.start();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> source.opened().isDone());
      append(log, "type=A msg=audit(2.0:2): one\n");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> lines.equals(List.of("type=A msg=audit(2.0:2): one")));
      // auditd's rotation: the file is renamed, a new one created under the name.
      Files.move(log, dir.resolve("audit.log.1"));
      append(dir.resolve("audit.log.1"), "type=B msg=audit(3.0:3): late in the old file\n");
      Files.writeString(log, "type=C msg=audit(4.0:4): first of the new file\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 3);
      assertEquals(
          List.of(
              "type=A msg=audit(2.0:2): one",
              "type=B msg=audit(3.0:3): late in the old file",
              "type=C msg=audit(4.0:4): first of the new file"),
          lines);
      // Truncated in place (copytruncate): read again from the start.
      Files.writeString(log, "type=D msg=audit(5.0:5): x\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 4);
      assertEquals("type=D msg=audit(5.0:5): x", lines.get(3));
    } finally {
      source.close();
      t.join(5000);
    }
  }

  private static void append(Path file, String text) throws Exception {
    Files.writeString(file, text, StandardOpenOption.APPEND);
  }
}
