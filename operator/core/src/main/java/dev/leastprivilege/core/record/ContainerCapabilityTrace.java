package dev.leastprivilege.core.record;

import dev.leastprivilege.core.caps.Capability;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The capabilities one container's workload needs, from a trace of the container's process tree:
 * capability:cap_capable (with its stack trace), sched:sched_process_fork, sched:sched_process_exec
 * and, optionally, raw_syscalls:sys_exit, in the order the trace printed them.
 *
 * <p>Which checks count:
 *
 * <ul>
 *   <li>Only the workload's: the container's first process after its first exec (before it, that
 *       process is the runtime's init, which drops capabilities, changes ids and loads the filter),
 *       and every task the workload forked or cloned after that. The runtime's own processes on the
 *       host are never part of it.
 *   <li>Not incidental ones ({@link CapabilityCheck#incidental()}), nor ones from a task named as a
 *       runtime stage ({@link RuntimeNoise}).
 *   <li>A granted check is a need. A refused one is a need unless the syscall it was made in then
 *       succeeded ({@link RefusedChecks}): the kernel often tries the privileged path first and
 *       falls back (busybox, run as a non-root user, calls setgid(getgid()) and setuid(getuid());
 *       the kernel asks for CAP_SETGID and CAP_SETUID, is refused, and lets the call succeed
 *       because the ids do not change). That needs the sys_exit event; without it, every refused
 *       check is a need.
 * </ul>
 */
public final class ContainerCapabilityTrace {
  private static final Pattern HEADER =
      Pattern.compile(
          "^\\s*(.*?)-(\\d+)\\s+(?:\\(\\s*[\\d-]+\\)\\s+)?\\[\\d+\\]\\s+(?:\\S+\\s+)?[\\d.]+: (.*)$");
  private static final Pattern FORK =
      Pattern.compile("^sched_process_fork: comm=.* pid=(\\d+) child_comm=.* child_pid=(\\d+)");

  /** What the trace says about the container. */
  public record Result(
      Set<Capability> needed,
      List<CapabilityCheck> workloadChecks,
      int incidentalChecks,
      int runtimeChecks,
      int refusedButSucceeded,
      boolean workloadStarted) {}

  private final long containerPid;
  private final CapabilityTraceParser parser = new CapabilityTraceParser();
  private final Set<Long> workload = new HashSet<>();
  private final RefusedChecks refused = new RefusedChecks(RefusedChecks.Ends.EVERY_CALL);
  private final Set<Capability> needed = EnumSet.noneOf(Capability.class);
  private final List<CapabilityCheck> workloadChecks = new ArrayList<>();
  private boolean started;
  private int incidental;
  private int runtime;

  /**
   * @param containerPid the container's first process (the runtime's init, then the workload)
   */
  public ContainerCapabilityTrace(long containerPid) {
    this.containerPid = containerPid;
  }

  /** Feeds one trace line, in the trace's order. */
  public void feed(String line) {
    // The parser first: a header line completes the check whose stack came before it.
    parser.feed(line).forEach(this::count);
    Matcher h = HEADER.matcher(line);
    if (!h.matches()) {
      return;
    }
    String rest = h.group(3);
    Matcher fork = FORK.matcher(rest);
    if (fork.find()) {
      if (workload.contains(Long.parseLong(fork.group(1)))) {
        workload.add(Long.parseLong(fork.group(2)));
      }
      return;
    }
    Optional<FallbackSyscalls.Exit> exit = FallbackSyscalls.exit(line);
    if (exit.isPresent()) {
      refused.exit(exit.get()).forEach(c -> needed.add(c.capability()));
      return;
    }
    CapabilityTraceParser.exec(line)
        .filter(e -> e.tid() == containerPid && !started)
        .ifPresent(
            e -> {
              started = true;
              workload.add(containerPid);
            });
  }

  /** Ends the trace: checks still waiting for a stack or a syscall's end count as they are. */
  public Result finish() {
    parser.flush().forEach(this::count);
    refused.flush().forEach(c -> needed.add(c.capability()));
    return new Result(
        EnumSet.copyOf(needed),
        List.copyOf(workloadChecks),
        incidental,
        runtime,
        refused.refusedButSucceeded(),
        started);
  }

  private void count(CapabilityCheck c) {
    if (!workload.contains(c.tid())) {
      if (c.tid() == containerPid || RuntimeNoise.isRuntime(c.comm(), null)) {
        runtime++;
      }
      return;
    }
    if (RuntimeNoise.isRuntime(c.comm(), null)) {
      runtime++;
      return;
    }
    if (c.incidental()) {
      incidental++;
      return;
    }
    workloadChecks.add(c);
    refused.check(c, 0).forEach(n -> needed.add(n.capability()));
  }
}
