package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
 * <p>One case is an error ({@link ProfileValidator}): a profile that allows by default and refuses
 * such a name, but not the call that does the same on its own architectures ({@link #equivalent}):
 * refusing {@code setuid32} but not {@code setuid} in an x86_64 profile refuses nothing there.
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
   * Names the 32-bit architectures (x86, arm) carry and x86_64 calls otherwise: a profile that
   * refuses the 32-bit name means to refuse the call, and on x86_64 only the name here does. The
   * uid/gid family drops its {@code 32} suffix ({@link #equivalent}); these are the renames.
   */
  static final Map<String, String> RENAMED =
      Map.ofEntries(
          Map.entry("umount", "umount2"),
          Map.entry("_llseek", "lseek"),
          Map.entry("_newselect", "select"),
          Map.entry("stime", "settimeofday"),
          Map.entry("mmap2", "mmap"),
          Map.entry("fcntl64", "fcntl"),
          Map.entry("stat64", "stat"),
          Map.entry("lstat64", "lstat"),
          Map.entry("fstat64", "fstat"),
          Map.entry("fstatat64", "newfstatat"),
          Map.entry("truncate64", "truncate"),
          Map.entry("ftruncate64", "ftruncate"),
          Map.entry("sendfile64", "sendfile"),
          Map.entry("statfs64", "statfs"),
          Map.entry("fstatfs64", "fstatfs"),
          Map.entry("ugetrlimit", "getrlimit"),
          Map.entry("sigreturn", "rt_sigreturn"));

  /**
   * The call that does on the listed architectures what {@code name} does on others, if one does:
   * {@code setuid32} → {@code setuid}, {@code umount} → {@code umount2}.
   */
  static Optional<String> equivalent(List<Architecture> listed, String name) {
    String candidate =
        RENAMED.getOrDefault(
            name, name.endsWith("32") ? name.substring(0, name.length() - 2) : null);
    return candidate != null && SyscallTables.knownOnAny(listed, candidate)
        ? Optional.of(candidate)
        : Optional.empty();
  }

  /**
   * At most one warning for the whole profile, naming every such name with its field, so that the
   * linter's findings are not crowded out of the status. {@code architectures} are those of the
   * merged profile: a child that lists none has its base's. A profile without architectures is for
   * the node's own, which we cannot know here, so any known name is fine and nothing is reported.
   */
  public static List<String> warnings(SeccompProfileSpec spec, List<Architecture> architectures) {
    if (spec == null || architectures == null || spec.getSyscalls() == null) {
      return List.of();
    }
    List<Architecture> listed = architectures.stream().filter(Objects::nonNull).distinct().toList();
    if (listed.isEmpty()) {
      return List.of();
    }
    List<String> found = new ArrayList<>();
    for (int i = 0; i < spec.getSyscalls().size(); i++) {
      SyscallRule rule = spec.getSyscalls().get(i);
      List<String> names = rule == null || rule.getNames() == null ? List.of() : rule.getNames();
      for (int j = 0; j < names.size(); j++) {
        String n = names.get(j);
        if (n != null && onlyElsewhere(listed, n)) {
          found.add(
              "\""
                  + n
                  + "\" (spec.syscalls["
                  + i
                  + "].names["
                  + j
                  + "]) is a system call on "
                  + elsewhere(n, listed));
        }
      }
    }
    if (found.isEmpty()) {
      return List.of();
    }
    return List.of(
        "spec.syscalls: "
            + (found.size() == 1 ? "1 name is" : found.size() + " names are")
            + " not a system call on "
            + listed.stream().map(Enum::name).collect(Collectors.joining(", "))
            + ": "
            + String.join("; ", found)
            + ". runc and libseccomp skip a name the filter's architecture does not have, so"
            + (found.size() == 1 ? " this entry has" : " these entries have")
            + " no effect on nodes of the listed architectures (they stay in the node file;"
            + " remove them unless the profile is shared with those architectures)");
  }

  /** The same for a profile on its own, with its own architectures. */
  public static List<String> warnings(SeccompProfileSpec spec) {
    return warnings(spec, spec == null ? null : spec.getArchitectures());
  }

  private static String elsewhere(String name, List<Architecture> listed) {
    return ALL.stream()
        .filter(a -> !listed.contains(a) && SyscallTables.of(a).knows(name))
        .map(Enum::name)
        .collect(Collectors.joining(", "));
  }
}
