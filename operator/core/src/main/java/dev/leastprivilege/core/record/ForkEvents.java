package dev.leastprivilege.core.record;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code sched:sched_process_fork} trace event, which says which process made which:
 *
 * <pre>
 *               sh-4242    [003] ..... 1234.567890: sched_process_fork: comm=sh pid=4242 child_comm=sh child_pid=4243
 * </pre>
 *
 * A child starts in its parent's cgroup, so a process that made its records and exited before the
 * recorder could read its /proc/&lt;pid&gt;/cgroup (busybox runs chmod in a forked child that lives
 * a millisecond) is still named by its parent's container.
 */
public final class ForkEvents {
  private static final Pattern FORK =
      Pattern.compile("\\bsched_process_fork: comm=.*? pid=(\\d+) child_comm=.*? child_pid=(\\d+)");

  /** The event, relative to a trace instance. */
  public static final String EVENT = "events/sched/sched_process_fork";

  /** One fork (or clone of a thread: the event covers both). */
  public record Fork(long parent, long child) {}

  private ForkEvents() {}

  /** The fork a trace line reports; empty for any other line. */
  public static Optional<Fork> parse(String line) {
    if (line == null) {
      return Optional.empty();
    }
    Matcher m = FORK.matcher(line);
    return m.find()
        ? Optional.of(new Fork(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))))
        : Optional.empty();
  }
}
