package dev.leastprivilege.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.ProfileRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failure injection: a real process dies (halt, as kill -9) at each step of a write. Whatever the
 * step, the file is the old profile or the new one, never a torn mix, and the next agent start
 * cleans up.
 */
class AtomicWriteIT {
  private static final String OLD = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"old\": true}\n";
  private static final String NEW =
      "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\"" + "x".repeat(4096) + "\"]}\n";

  @TempDir Path root;

  @ParameterizedTest
  @ValueSource(strings = {"half-written", "written", "synced", "renamed"})
  void aCrashAtAnyStepLeavesTheOldOrTheNewFile(String step) throws Exception {
    ProfileRef ref = new ProfileRef("shop", "web");
    new ProfileDirectory(root).write(ref, OLD.getBytes(StandardCharsets.UTF_8));

    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CrashingWriter.class.getName(),
                root.toString(),
                step,
                NEW)
            .inheritIO()
            .start();
    assertTrue(child.waitFor(60, TimeUnit.SECONDS));
    assertEquals(137, child.exitValue(), "the writer died at " + step);

    String after = Files.readString(root.resolve("leastprivilege/shop/web.json"));
    assertEquals(step.equals("renamed") ? NEW : OLD, after, "crash at " + step);

    ProfileDirectory restarted = new ProfileDirectory(root);
    restarted.scan();
    assertEquals(
        List.of("web.json"), names(root.resolve("leastprivilege/shop")), "temp files cleaned up");
  }

  @Test
  void aFullDiskFailsTheWriteAndKeepsTheOldFile() throws Exception {
    Path disk = Files.createDirectories(root.resolve("disk"));
    mount(disk);
    try {
      ProfileDirectory dir = new ProfileDirectory(disk);
      ProfileRef ref = new ProfileRef("shop", "web");
      dir.write(ref, OLD.getBytes(StandardCharsets.UTF_8));
      fill(disk.resolve("filler"));
      IOException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IOException.class, () -> dir.write(ref, NEW.getBytes(StandardCharsets.UTF_8)));
      assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e.toString());
      assertEquals(OLD, Files.readString(disk.resolve("leastprivilege/shop/web.json")));
      assertEquals(
          List.of("web.json"),
          names(disk.resolve("leastprivilege/shop")),
          "no temp file left behind");
    } finally {
      new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
    }
  }

  /** A 64 KiB tmpfs: a real file system that really fills up. Needs root, as CI is. */
  static void mount(Path dir) throws Exception {
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.toString())
            .inheritIO()
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mount tmpfs (root needed)");
  }

  static void fill(Path file) {
    byte[] block = new byte[1024];
    try (var out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      // the disk is full now
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
