package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Syscall names that exist on some architecture, but on none the profile lists: {@code stime},
 * {@code umount} or {@code vm86} in a profile for SCMP_ARCH_X86_64. Docker's and SPO's profiles
 * carry such names on purpose, because one profile serves several architectures.
 *
 * <p>They are allowed, with a warning, because the runtime allows them: runc resolves each name
 * with libseccomp for the node's architecture. A name libseccomp does not know at all is skipped
 * ("unknown seccomp syscall ... ignored", at debug level); a name it knows only on other
 * architectures resolves to a pseudo-syscall number, which adds no instruction to the filter of an
 * architecture without that call, and the call's number on every other architecture listed in the
 * filter. Either way the entry does nothing on the profile's architectures. A name that is a
 * syscall nowhere stays an error ({@link ProfileValidator}): that is a typo, such as "chmodd".
 *
 * <p>The names stay in the rendered node file: runc and libseccomp build the same filter with or
 * without them, and the file stays a function of the spec as written, not of our tables' version.
 */
public final class CrossArchitectureNames {
  private static final List<Architecture> ALL = Arrays.asList(Architecture.values());

  private CrossArchitectureNames() {}

  /** True when the name is a syscall on none of {@code checked} but on another architecture. */
  static boolean onlyElsewhere(List<Architecture> checked, String name) {
    return !SyscallTables.knownOnAny(checked, name) && SyscallTables.knownOnAny(ALL, name);
  }

  /**
   * One warning per such name, with its field. A profile without architectures is for the node's
   * own, which we cannot know here, so any known name is fine and nothing is reported.
   */
  public static List<String> warnings(SeccompProfileSpec spec) {
    List<String> warnings = new ArrayList<>();
    if (spec == null || spec.getArchitectures() == null || spec.getSyscalls() == null) {
      return warnings;
    }
    List<Architecture> listed =
        spec.getArchitectures().stream().filter(Objects::nonNull).distinct().toList();
    if (listed.isEmpty()) {
      return warnings;
    }
    for (int i = 0; i < spec.getSyscalls().size(); i++) {
      SyscallRule rule = spec.getSyscalls().get(i);
      List<String> names = rule == null || rule.getNames() == null ? List.of() : rule.getNames();
      for (int j = 0; j < names.size(); j++) {
        String n = names.get(j);
        if (n != null && onlyElsewhere(listed, n)) {
          warnings.add("spec.syscalls[" + i + "].names[" + j + "]: " + message(n, listed));
        }
      }
    }
    return warnings;
  }

  static String message(String name, List<Architecture> listed) {
    String elsewhere =
        ALL.stream()
            .filter(a -> !listed.contains(a) && SyscallTables.of(a).knows(name))
            .map(Enum::name)
            .collect(Collectors.joining(", "));
    String here = listed.stream().map(Enum::name).collect(Collectors.joining(", "));
    return "\""
        + name
        + "\" is a system call on "
        + elsewhere
        + " but not on "
        + here
        + ": runc and libseccomp skip a name the filter's architecture does not have, so this"
        + " entry has no effect there (it stays in the node file; remove it unless the profile"
        + " is shared with those architectures)";
  }
}
