package dev.leastprivilege.recorder;

import dev.leastprivilege.core.record.CapabilityTracing;
import dev.leastprivilege.core.record.FallbackSyscalls;
import dev.leastprivilege.core.record.ForkEvents;
import dev.leastprivilege.core.record.RefusedChecks;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the kernel's capability checks from tracefs: its own trace instance (by default {@link
 * CapabilityTracing#RECORDER_INSTANCE}), so that it neither sees nor disturbs anyone else's
 * tracing, with the {@code capability:cap_capable} event on and a {@code stacktrace} trigger (the
 * stack says which checks mean no need), read from the instance's trace_pipe. The instance is
 * removed on close; one left by a recorder that was killed is cleaned up and used again at start.
 *
 * <p>It also turns on raw_syscalls:sys_exit, filtered in the kernel to the calls of {@link
 * FallbackSyscalls} (tracing every call's end on a whole node would cost too much): a refused check
 * in one of them is no need when the call then succeeded ({@link RefusedChecks}).
 */
final class TraceSource implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TraceSource.class);

  static final String EVENT = CapabilityTracing.EVENT;
  static final String TRIGGER = CapabilityTracing.TRIGGER;

  /**
   * Forks name the container of a process gone before its records were read; forks and execs tell
   * the runtime's tasks from the workload's ({@link dev.leastprivilege.core.record.EnteringTasks}).
   */
  static final List<String> PROCESS_EVENTS =
      List.of(ForkEvents.EVENT, CapabilityTracing.EXEC_EVENT);

  /**
   * What trace_pipe prints when the instance's buffer was full and events were dropped: {@code
   * CPU:1 [LOST 42 EVENTS]}.
   */
  private static final Pattern LOST = Pattern.compile("^CPU:\\d+ \\[LOST (\\d+) EVENTS\\]");

  /** What closing writes to the instance's trace_marker, to wake a read blocked in trace_pipe. */
  static final String STOP_MARKER = "lpo-recorder: stopping";

  private final Path instance;
  private final RecordSink sink;
  private final LineChannel pipe;
  private volatile boolean running = true;

  private TraceSource(Path instance, RecordSink sink) throws IOException {
    this.instance = instance;
    this.sink = sink;
    this.pipe = new LineChannel(instance.resolve(CapabilityTracing.TRACE_PIPE));
  }

  /** A started source, or why capabilities cannot be recorded on this node. */
  sealed interface Opened {}

  /**
   * Tracing runs; {@code capabilitiesUnavailable} says why it has forks but no capability checks (a
   * kernel without the event); {@code ends} says which system calls' ends the trace shows.
   */
  record Started(
      TraceSource source, Optional<String> capabilitiesUnavailable, RefusedChecks.Ends ends)
      implements Opened {}

  record Unavailable(String reason) implements Opened {}

  /**
   * Makes the instance and turns the events on: cap_capable with its stack trigger, where the
   * kernel has it, and sched_process_fork (which names the container of a process that was gone
   * before its records were read).
   *
   * @param tracefs where tracefs is mounted
   * @param name the instance's name
   */
  static Opened open(Path tracefs, String name, RecordSink sink) {
    if (!Files.isDirectory(tracefs.resolve("instances"))) {
      return new Unavailable(
          "tracefs is not mounted at "
              + tracefs
              + ": mount it on the node (mount -t tracefs nodev /sys/kernel/tracing) and give the"
              + " recorder that directory");
    }
    // Nothing outside instances/<name> is read or written: the chart mounts only the instances
    // directory (the tracefs root's kprobe_events and uprobe_events must stay out of reach), so the
    // event is looked for in the instance, which has every event the kernel has.
    Path instance = tracefs.resolve("instances").resolve(name);
    try {
      if (Files.isDirectory(instance)) {
        LOG.info("removing the trace instance {} a previous recorder left", instance);
        disable(instance);
        remove(instance);
      }
      if (!Files.isDirectory(instance)) {
        Files.createDirectory(instance);
      }
      Optional<String> noCapabilities =
          Files.isDirectory(instance.resolve(EVENT))
              ? Optional.empty()
              : Optional.of(
                  "this node's kernel has no capability:cap_capable trace event (Linux 6.14 and"
                      + " later have it): capabilities cannot be recorded here; record them on a"
                      + " node with a newer kernel");
      if (noCapabilities.isEmpty()) {
        Files.writeString(instance.resolve(CapabilityTracing.TRIGGER_FILE), TRIGGER);
        Files.writeString(instance.resolve(CapabilityTracing.ENABLE), "1");
      }
      for (String event : PROCESS_EVENTS) {
        if (Files.isDirectory(instance.resolve(event))) {
          Files.writeString(instance.resolve(event).resolve("enable"), "1");
        }
      }
      RefusedChecks.Ends ends =
          noCapabilities.isEmpty() ? enableSyscallEnds(instance) : RefusedChecks.Ends.NONE;
      return new Started(new TraceSource(instance, sink), noCapabilities, ends);
    } catch (IOException e) {
      disable(instance);
      remove(instance);
      return new Unavailable(
          "cannot set up the trace instance "
              + instance
              + " ("
              + e
              + "): the recorder needs tracefs mounted read-write and CAP_SYS_ADMIN"
              + " (or root owning tracefs) to make a trace instance");
    }
  }

  /**
   * Turns on the filtered sys_exit event; where it cannot (no event, no syscall table for this
   * machine, a kernel that refuses the filter), every refused check counts as a need, as it would
   * without it, and the log says so.
   */
  private static RefusedChecks.Ends enableSyscallEnds(Path instance) {
    String consequence =
        ": refused capability checks all count as needs on this node, including those of calls"
            + " that succeeded without the capability (setuid(getuid()) as a non-root user)";
    if (!Files.isDirectory(instance.resolve(FallbackSyscalls.EXIT_EVENT))) {
      LOG.warn("this node's kernel has no raw_syscalls:sys_exit trace event{}", consequence);
      return RefusedChecks.Ends.NONE;
    }
    Optional<String> filter =
        SyscallTables.host().map(a -> FallbackSyscalls.filter(SyscallTables.of(a)));
    if (filter.isEmpty() || filter.get().isEmpty()) {
      LOG.warn(
          "no system call table for this machine ({}){}",
          System.getProperty("os.arch"),
          consequence);
      return RefusedChecks.Ends.NONE;
    }
    try {
      Files.writeString(instance.resolve(FallbackSyscalls.EXIT_FILTER), filter.get());
      Files.writeString(instance.resolve(FallbackSyscalls.EXIT_ENABLE), "1");
      LOG.info("tracing the ends of {} ({})", FallbackSyscalls.NAMES, filter.get());
      return RefusedChecks.Ends.FALLBACK_CALLS;
    } catch (IOException e) {
      disableSyscallEnds(instance);
      LOG.warn(
          "cannot enable raw_syscalls:sys_exit with the filter '{}' ({}){}",
          filter.get(),
          e.toString(),
          consequence);
      return RefusedChecks.Ends.NONE;
    }
  }

  private static void disableSyscallEnds(Path instance) {
    try {
      Files.writeString(instance.resolve(FallbackSyscalls.EXIT_ENABLE), "0");
    } catch (IOException e) {
      // not there, or already off
    }
    try {
      Files.writeString(
          instance.resolve(FallbackSyscalls.EXIT_FILTER), FallbackSyscalls.FILTER_OFF);
    } catch (IOException e) {
      // not there, or no filter
    }
  }

  @Override
  public void run() {
    try {
      pipe.readLines(
          line -> {
            if (!line.endsWith(STOP_MARKER)) {
              sink.traceLine(line);
            }
          },
          e -> {
            throw e;
          });
    } catch (IOException e) {
      if (!pipe.isClosed()) {
        LOG.error("stopped reading {}/trace_pipe: {}", instance, e.toString());
      }
    } finally {
      running = false;
    }
  }

  /** How many events a trace_pipe line says were dropped; empty for any other line. */
  static OptionalLong lostEvents(String line) {
    Matcher m = LOST.matcher(line);
    return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }

  boolean isRunning() {
    return running;
  }

  /** Turns the event off, wakes the reader, and removes the instance. */
  @Override
  public void close() throws IOException {
    disable(instance);
    try {
      Files.writeString(instance.resolve("trace_marker"), STOP_MARKER);
    } catch (IOException e) {
      // The channel's close below ends the read too.
    }
    pipe.close();
    remove(instance);
  }

  private static void disable(Path instance) {
    disableSyscallEnds(instance);
    for (String e : PROCESS_EVENTS) {
      try {
        Files.writeString(instance.resolve(e).resolve("enable"), "0");
      } catch (IOException notThere) {
        // not there, or already off
      }
    }
    try {
      Files.writeString(instance.resolve(CapabilityTracing.ENABLE), "0");
    } catch (IOException e) {
      // not there, or already off
    }
    try {
      Files.writeString(
          instance.resolve(CapabilityTracing.TRIGGER_FILE), CapabilityTracing.TRIGGER_OFF);
    } catch (IOException e) {
      // no trigger set
    }
  }

  /**
   * rmdir of the instance; busy while a reader still has its trace_pipe open, so it tries again.
   */
  private static void remove(Path instance) {
    for (int attempt = 0; attempt < 50 && Files.isDirectory(instance); attempt++) {
      try {
        Files.delete(instance);
        return;
      } catch (FileSystemException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (IOException e) {
        LOG.warn("could not remove the trace instance {}: {}", instance, e.toString());
        return;
      }
    }
    if (Files.isDirectory(instance)) {
      LOG.warn("could not remove the trace instance {}: it is busy", instance);
    }
  }
}
