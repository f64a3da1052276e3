package dev.leastprivilege.core.record;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which refused capability checks are needs: the kernel often asks for a capability first
 * and falls back when refused (busybox, run as a non-root user, calls setgid(getgid()) and
 * setuid(getuid()); the kernel asks for CAP_SETGID and CAP_SETUID, is refused, and lets the calls
 * succeed). A refused check is held until its system call ends (raw_syscalls:sys_exit of the same
 * task): ret &gt;= 0 means the call succeeded without the capability (no need), ret &lt; 0 means it
 * failed (a need). Granted checks are needs at once.
 *
 * <p>Two ways to trace the ends: {@link Ends#EVERY_CALL} ({@code lpo record}, which traces one
 * container's tasks) holds every refused check; {@link Ends#FALLBACK_CALLS} (the node recorder,
 * which filters the event to {@link FallbackSyscalls}) holds only checks whose stack names one of
 * those calls, and counts the rest at once, since their end will never be seen.
 *
 * <p>A held check whose end does not come counts as a need: with {@link Ends#FALLBACK_CALLS}, at
 * the task's next check made in another call (a task makes one call at a time, so the held one
 * ended unseen), on {@link #expire} after the holder's bound (an end lost with a full trace buffer;
 * the recorder uses a second: a call that asks for a capability ends within microseconds), or on
 * {@link #flush}. Not thread-safe.
 */
public final class RefusedChecks {
  /** Which system calls' ends the trace shows. */
  public enum Ends {
    EVERY_CALL,
    FALLBACK_CALLS,
    /** None: every refused check is a need (the event could not be enabled). */
    NONE
  }

  private record Held(CapabilityCheck check, long at) {}

  private final Ends ends;
  private final Map<Long, List<Held>> held = new LinkedHashMap<>();
  private int refusedButSucceeded;

  public RefusedChecks(Ends ends) {
    this.ends = ends;
  }

  /**
   * A check (not incidental, of the workload): returns the checks that are needs now, in order
   * (held checks of the same task first).
   *
   * @param at when it was read, in milliseconds of any clock {@link #expire} uses too
   */
  public List<CapabilityCheck> check(CapabilityCheck check, long at) {
    List<CapabilityCheck> needs = new ArrayList<>();
    List<Held> before = held.get(check.tid());
    if (before != null && ends != Ends.EVERY_CALL && !sameCall(before, check)) {
      // The task is in another call: the held one ended, its end unseen.
      held.remove(check.tid()).forEach(h -> needs.add(h.check()));
    }
    if (!check.granted() && holds(check)) {
      held.computeIfAbsent(check.tid(), t -> new ArrayList<>()).add(new Held(check, at));
    } else {
      needs.add(check);
    }
    return needs;
  }

  /** A system call's end: returns the task's held checks that are needs (the call failed). */
  public List<CapabilityCheck> exit(FallbackSyscalls.Exit exit) {
    List<Held> before = held.remove(exit.tid());
    if (before == null) {
      return List.of();
    }
    if (exit.ret() >= 0) {
      refusedButSucceeded += before.size();
      return List.of();
    }
    return before.stream().map(Held::check).toList();
  }

  /** The held checks read before {@code before}: their end was lost; they are needs. */
  public List<CapabilityCheck> expire(long before) {
    List<CapabilityCheck> needs = new ArrayList<>();
    Iterator<List<Held>> it = held.values().iterator();
    while (it.hasNext()) {
      List<Held> task = it.next();
      if (task.get(0).at() < before) {
        task.forEach(h -> needs.add(h.check()));
        it.remove();
      }
    }
    return needs;
  }

  /** Every held check, as a need (the trace ended). */
  public List<CapabilityCheck> flush() {
    return expire(Long.MAX_VALUE);
  }

  /** Refused checks whose call then succeeded: not needs. */
  public int refusedButSucceeded() {
    return refusedButSucceeded;
  }

  /** How many checks wait for their call's end. */
  public int held() {
    return held.values().stream().mapToInt(List::size).sum();
  }

  private static boolean sameCall(List<Held> task, CapabilityCheck check) {
    return check.syscall() != null && check.syscall().equals(task.get(0).check().syscall());
  }

  private boolean holds(CapabilityCheck check) {
    return switch (ends) {
      case EVERY_CALL ->
          check.syscall() == null || !FallbackSyscalls.SILENT_FAILURES.contains(check.syscall());
      case FALLBACK_CALLS -> FallbackSyscalls.isFallback(check.syscall());
      case NONE -> false;
    };
  }
}
