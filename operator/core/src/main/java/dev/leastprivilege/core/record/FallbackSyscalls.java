package dev.leastprivilege.core.record;

import dev.leastprivilege.core.syscall.SyscallTable;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The system calls in which the kernel asks for a capability and, refused, may still let the call
 * succeed: a refused check there is a need only if the call then failed. The node recorder traces
 * the end (raw_syscalls:sys_exit) of these calls only, with a kernel-side filter, since tracing
 * every call's end on a whole node costs too much.
 *
 * <p>From the kernel's sources (kernel/sys.c, fs/attr.c):
 *
 * <ul>
 *   <li>setuid and setgid ask for CAP_SETUID / CAP_SETGID first (ns_capable_setid) and, refused,
 *       still succeed when the id is the caller's real or saved one: busybox run as a non-root user
 *       calls setgid(getgid()) and setuid(getuid()).
 *   <li>setreuid, setregid, setresuid and setresgid compare the ids first; a refusal there fails
 *       the call with EPERM, which the call's end confirms (so a need), but listing them keeps the
 *       rule independent of each call's order of tests.
 *   <li>chmod, fchmod, fchmodat and fchmodat2 by a file's owner who is not in the file's group ask
 *       for CAP_FSETID (in_group_or_capable) and, refused, clear the set-group-ID bit and succeed.
 * </ul>
 *
 * Not listed: setfsuid and setfsgid return the previous id whether or not the change was allowed,
 * so their end cannot tell; a refusal there means the change was refused, and is a need.
 */
public final class FallbackSyscalls {
  /** The event, relative to a trace instance. */
  public static final String EXIT_EVENT = "events/raw_syscalls/sys_exit";

  /** Its kernel-side filter: write the text of {@link #filter} here before enabling it. */
  public static final String EXIT_FILTER = EXIT_EVENT + "/filter";

  /** Enabling it: write "1" here. */
  public static final String EXIT_ENABLE = EXIT_EVENT + "/enable";

  /** Removing a filter: write "0" to {@link #EXIT_FILTER}. */
  public static final String FILTER_OFF = "0";

  /** The calls, by the name the syscall tables give them. */
  public static final List<String> NAMES =
      List.of(
          "setuid",
          "setgid",
          "setreuid",
          "setregid",
          "setresuid",
          "setresgid",
          "chmod",
          "fchmod",
          "fchmodat",
          "fchmodat2");

  /**
   * Calls whose end says nothing: they return the previous id whether or not the change was
   * allowed. A refusal in them is a need.
   */
  public static final List<String> SILENT_FAILURES = List.of("setfsuid", "setfsgid");

  /** "comm-tid [cpu] flags timestamp: sys_exit: NR n = ret". */
  private static final Pattern SYS_EXIT =
      Pattern.compile(
          "^\\s*.*?-(\\d+)\\s+(?:\\(\\s*[\\d-]+\\)\\s+)?\\[\\d+\\]\\s+(?:\\S+\\s+)?[\\d.]+:"
              + " sys_exit: NR (-?\\d+) = (-?\\d+)");

  /** One system call's end, from the raw_syscalls:sys_exit event. */
  public record Exit(long tid, int number, long ret) {}

  private FallbackSyscalls() {}

  /**
   * Whether a refused check made in this call (as the check's stack names it) may not be a need.
   */
  public static boolean isFallback(String syscall) {
    return syscall != null && NAMES.contains(syscall);
  }

  /**
   * The sys_exit event filter that passes the ends of these calls only, by the architecture's
   * numbers ("id == 105 || id == 106 || ..."); the calls the table does not know are left out.
   */
  public static String filter(SyscallTable table) {
    return NAMES.stream()
        .map(table::number)
        .filter(OptionalInt::isPresent)
        .map(n -> "id == " + n.getAsInt())
        .collect(Collectors.joining(" || "));
  }

  /** The end a sys_exit line reports; empty for any other line. */
  public static Optional<Exit> exit(String line) {
    if (line == null) {
      return Optional.empty();
    }
    Matcher m = SYS_EXIT.matcher(line);
    if (!m.find()) {
      return Optional.empty();
    }
    return Optional.of(
        new Exit(
            Long.parseLong(m.group(1)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3))));
  }
}
