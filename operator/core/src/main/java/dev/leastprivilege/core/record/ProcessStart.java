package dev.leastprivilege.core.record;

import java.util.OptionalLong;

/**
 * When a process started, as {@code /proc/<pid>/stat} field 22 gives it (clock ticks since boot),
 * so that a record is never given to a later process that got the same PID.
 */
public final class ProcessStart {
  /** USER_HZ: the unit of /proc/<pid>/stat's start time on every Linux architecture. */
  public static final long TICKS_PER_SECOND = 100;

  private ProcessStart() {}

  /**
   * Field 22 (starttime) of a {@code /proc/<pid>/stat} line. The second field, the command in
   * parentheses, may itself hold spaces and parentheses, so fields are counted after its last ")".
   */
  public static OptionalLong ticks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return OptionalLong.empty();
    }
    String[] rest = stat.substring(close + 1).trim().split("\\s+");
    // rest[0] is field 3 (state), so field 22 is rest[19].
    if (rest.length < 20) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(rest[19]));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * Whether a process that started at {@code startTicks} can have made a record stamped {@code
   * recordEpochMillis}: not when it started after the record (its PID was reused). The boot time
   * ({@code btime} in /proc/stat) has whole seconds, hence one second of slack.
   */
  public static boolean couldHaveMade(
      long startTicks, long bootEpochSeconds, long recordEpochMillis) {
    return epochMillis(startTicks, bootEpochSeconds) <= recordEpochMillis + 1000;
  }

  /** When a process that started at {@code startTicks} started, in milliseconds since the epoch. */
  public static long epochMillis(long startTicks, long bootEpochSeconds) {
    return bootEpochSeconds * 1000 + startTicks * 1000 / TICKS_PER_SECOND;
  }

  /** The {@code btime} line of /proc/stat: the boot time in seconds since the epoch. */
  public static OptionalLong bootTime(String procStat) {
    for (String line : procStat.split("\n")) {
      if (line.startsWith("btime ")) {
        try {
          return OptionalLong.of(Long.parseLong(line.substring(6).trim()));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
