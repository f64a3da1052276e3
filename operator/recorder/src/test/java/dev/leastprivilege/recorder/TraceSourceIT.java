package dev.leastprivilege.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leastprivilege.core.record.CapabilityTracing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The recorder works with only {@code <tracefs>/instances} mounted, as the chart mounts it (the
 * tracefs root's kprobe_events and uprobe_events stay out of its reach): tracefs is mounted on a
 * temporary directory, only its instances directory is bind-mounted where the recorder looks, and
 * both mounts are removed afterwards. Needs root and a kernel with the capability:cap_capable
 * event.
 */
class TraceSourceIT {
  @Test
  void makesItsInstanceAndTracesCapabilitiesThroughOnlyTheInstancesDirectory() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting tracefs needs root");
    Path dir = Files.createTempDirectory("lpo-traceit");
    Path full = Files.createDirectories(dir.resolve("full"));
    Path only = Files.createDirectories(dir.resolve("only/instances"));
    boolean fullMounted = false;
    boolean onlyMounted = false;
    String name = "lpo-recorder-traceit-" + ProcessHandle.current().pid();
    try {
      fullMounted = run("mount", "-t", "tracefs", "nodev", full.toString());
      assumeTrue(fullMounted, "cannot mount tracefs here");
      assumeTrue(
          Files.isDirectory(full.resolve(CapabilityTracing.EVENT)),
          "this kernel has no capability:cap_capable event");
      onlyMounted = run("mount", "--bind", full.resolve("instances").toString(), only.toString());
      assertTrue(onlyMounted);
      assertFalse(
          Files.exists(dir.resolve("only").resolve("kprobe_events")),
          "the recorder sees nothing of the tracefs root");

      TraceSource.Opened opened =
          TraceSource.open(
              dir.resolve("only"),
              name,
              new RecordSink() {
                @Override
                public void seccompLine(String line) {}

                @Override
                public void traceLine(String line) {}

                @Override
                public void lost(long records) {}
              });
      TraceSource.Started started = assertInstanceOf(TraceSource.Started.class, opened);
      assertEquals(
          Optional.empty(),
          started.capabilitiesUnavailable(),
          "the capability event is found in the recorder's own instance");
      Path instance = full.resolve("instances").resolve(name);
      assertTrue(
          Files.readString(instance.resolve(CapabilityTracing.ENABLE)).startsWith("1"),
          "the event is on (1, or 1* with its trigger)");
      assertTrue(
          Files.readString(instance.resolve(CapabilityTracing.TRIGGER_FILE))
              .contains("stacktrace"));
      started.source().close();
      assertFalse(Files.exists(instance), "the instance is removed when the recorder stops");
    } finally {
      if (Files.isDirectory(full.resolve("instances").resolve(name))) {
        run("rmdir", full.resolve("instances").resolve(name).toString());
      }
      if (onlyMounted) {
        onlyMounted = !unmount(only);
      }
      if (fullMounted) {
        fullMounted = !unmount(full);
      }
      // One directory at a time, never a walk: a walk would go into a mount left behind.
      for (Path p : List.of(full, only, dir.resolve("only"), dir)) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Unmounts, or detaches the mount where it is still busy (a closed trace_pipe may be released a
   * moment later): either way nothing is left mounted.
   */
  private static boolean unmount(Path p) throws IOException, InterruptedException {
    return run("umount", p.toString()) || run("umount", "-l", p.toString());
  }

  private static boolean run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(command)).inheritIO().start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return false;
    }
    return p.exitValue() == 0;
  }
}
