package dev.leastprivilege.recorder;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel log's record format, read from a file that grows as /dev/kmsg does. */
class KmsgSourceTest {
  @TempDir Path dir;

  final List<String> lines = new CopyOnWriteArrayList<>();
  final AtomicLong lost = new AtomicLong();
  final RecordSink sink =
      new RecordSink() {
        @Override
        public void seccompLine(String line) {
          lines.add(line);
        }

        @Override
        public void traceLine(String line) {}

        @Override
        public void lost(long records) {
          lost.addAndGet(records);
        }
      };

  @Test
  void skipsRecordsFromBeforeItStartedAndCountsOverwrittenOnesBySequenceNumber() throws Exception {
    Path kmsg =
        Files.writeString(
            dir.resolve("kmsg"),
            "6,100,1000000,-;old record\n"
                + "5,101,2500000,-;audit: type=1326 audit(1795499181.149:2): pid=1 syscall=90\n"
                + " SUBSYSTEM=audit\n");
    KmsgSource source = new KmsgSource(kmsg, 2_000_000, sink);
    Thread t = new Thread(source);
    t.start();
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
      assertEquals(
          "audit: type=1326 audit(1795499181.149:2): pid=1 syscall=90",
          lines.get(0),
          "the message, without its header and continuation line; the older record skipped");
      // The kernel overwrote 102..104 before they were read.
      Files.writeString(kmsg, "6,105,3000000,-;after the gap\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 2);
      assertEquals(3, lost.get());
    } finally {
      source.close();
      t.join(5000);
    }
  }

  @Test
  void startsAtTheEndOfTheLogByUptime() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Files.writeString(proc.resolve("uptime"), "12345.67 99999.00\n");
    assertEquals(12_345_670_000L, KmsgSource.uptimeMicros(proc));
  }
}
