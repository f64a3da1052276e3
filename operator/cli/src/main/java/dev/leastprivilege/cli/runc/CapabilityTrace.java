package dev.leastprivilege.cli.runc;

import dev.leastprivilege.core.record.CapabilityTracing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private trace instance (tracefs {@code instances/lpo-record-<pid>}) that records capability
 * checks, forks, execs and syscall ends of one process tree: the container {@code lpo record}
 * starts. Closing it removes the instance (and unmounts tracefs if this mounted it), also after a
 * failure.
 */
public final class CapabilityTrace implements AutoCloseable {
  private static final List<Path> MOUNTED_AT =
      List.of(Path.of(CapabilityTracing.TRACEFS), Path.of("/sys/kernel/debug/tracing"));

  /** Events besides cap_capable, relative to the instance. */
  private static final List<String> TREE_EVENTS =
      List.of(
          "events/sched/sched_process_fork",
          CapabilityTracing.EXEC_EVENT,
          "events/raw_syscalls/sys_exit");

  /** "# entries-in-buffer/entries-written: 4490/4490 #P:2" */
  private static final Pattern ENTRIES =
      Pattern.compile("entries-in-buffer/entries-written: (\\d+)/(\\d+)");

  /** Per-CPU buffer, KiB: a busybox command with stacks takes about 1 MiB. */
  private static final String BUFFER_KB = "16384";

  private final Path instance;
  private final Path ownMount;
  private final PrintWriter warnings;

  private CapabilityTrace(Path instance, Path ownMount, PrintWriter warnings) {
    this.instance = instance;
    this.ownMount = ownMount;
    this.warnings = warnings;
  }

  /**
   * Makes the instance, with nothing traced yet.
   *
   * @throws EnvironmentException when this kernel or this process cannot trace capability checks,
   *     saying why
   */
  public static CapabilityTrace open(PrintWriter warnings) throws EnvironmentException {
    Path root = null;
    Path ownMount = null;
    for (Path p : MOUNTED_AT) {
      if (Files.isDirectory(p.resolve("instances"))) {
        root = p;
        break;
      }
    }
    if (root == null) {
      try {
        ownMount = Files.createTempDirectory("lpo-tracefs-");
        run("mount", "-t", "tracefs", "nodev", ownMount.toString());
        root = ownMount;
      } catch (IOException | EnvironmentException e) {
        deleteQuietly(ownMount);
        throw new EnvironmentException(
            "capability recording needs tracefs: it is not mounted at /sys/kernel/tracing and"
                + " mounting it failed ("
                + e.getMessage()
                + "); run as root, or mount it with: mount -t tracefs nodev /sys/kernel/tracing");
      }
    }
    if (!Files.isDirectory(root.resolve(CapabilityTracing.EVENT))) {
      unmount(ownMount);
      throw new EnvironmentException(
          "this kernel has no capability:cap_capable trace event (Linux 6.14 or later has it);"
              + " capabilities cannot be recorded here. Record without --capabilities.");
    }
    Path instance =
        root.resolve("instances")
            .resolve(CapabilityTracing.RECORD_INSTANCE_PREFIX + ProcessHandle.current().pid());
    CapabilityTrace trace = new CapabilityTrace(instance, ownMount, warnings);
    try {
      Files.createDirectory(instance);
      write(instance.resolve(CapabilityTracing.BUFFER_SIZE_KB), BUFFER_KB);
      write(instance.resolve(CapabilityTracing.EVENT_FORK), "1");
      write(instance.resolve(CapabilityTracing.TRIGGER_FILE), CapabilityTracing.TRIGGER);
    } catch (IOException e) {
      trace.close();
      throw new EnvironmentException(
          "cannot set up the trace instance "
              + instance
              + ": "
              + e.getMessage()
              + " (run as root)");
    }
    return trace;
  }

  /** Traces {@code pid} and what it forks from now on. */
  public void follow(long pid) throws IOException {
    write(instance.resolve(CapabilityTracing.SET_EVENT_PID), Long.toString(pid));
    write(instance.resolve(CapabilityTracing.ENABLE), "1");
    for (String e : TREE_EVENTS) {
      write(instance.resolve(e).resolve("enable"), "1");
    }
  }

  /** Stops tracing and returns what was traced, one line each; warns when the buffer filled up. */
  public List<String> stop() throws IOException {
    write(instance.resolve("tracing_on"), "0");
    List<String> lines = Files.readAllLines(instance.resolve("trace"), StandardCharsets.UTF_8);
    for (String l : lines) {
      Matcher m = ENTRIES.matcher(l);
      if (m.find() && !m.group(1).equals(m.group(2))) {
        warnings.println(
            "warning: the trace buffer kept "
                + m.group(1)
                + " of "
                + m.group(2)
                + " events; capabilities may be missing from the recording");
      }
    }
    List<String> events = new ArrayList<>();
    for (String l : lines) {
      if (!l.startsWith("#")) {
        events.add(l);
      }
    }
    return events;
  }

  /** Where the instance is, for messages and tests. */
  public Path instance() {
    return instance;
  }

  @Override
  public void close() {
    // An instance with a trigger or a pid filter still set cannot be removed.
    quietly(() -> write(instance.resolve("events/enable"), "0"));
    quietly(
        () ->
            write(instance.resolve(CapabilityTracing.TRIGGER_FILE), CapabilityTracing.TRIGGER_OFF));
    quietly(
        () ->
            Files.writeString(
                instance.resolve(CapabilityTracing.SET_EVENT_PID),
                "",
                StandardOpenOption.TRUNCATE_EXISTING));
    try {
      if (Files.isDirectory(instance)) {
        Files.delete(instance);
      }
    } catch (IOException e) {
      warnings.println(
          "warning: cannot remove the trace instance "
              + instance
              + " ("
              + e.getMessage()
              + "); remove it with: rmdir "
              + instance);
    }
    unmount(ownMount);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void quietly(IoAction a) {
    try {
      a.run();
    } catch (IOException ignored) {
      // Best effort: removing the instance below reports what is left.
    }
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardOpenOption.WRITE);
  }

  private static void unmount(Path mount) {
    if (mount == null) {
      return;
    }
    try {
      run("umount", mount.toString());
    } catch (IOException | EnvironmentException ignored) {
      // Reported by the delete below failing.
    }
    deleteQuietly(mount);
  }

  private static void deleteQuietly(Path dir) {
    if (dir != null) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // A leftover empty temporary directory.
      }
    }
  }

  private static void run(String tool, String... args) throws IOException, EnvironmentException {
    Optional<Path> exe = Executables.find(tool);
    if (exe.isEmpty()) {
      throw new EnvironmentException(tool + " not found");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(exe.get().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(tool + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + ": " + out);
    }
  }
}
