package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.core.syscall.SyscallTable;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the kernel's seccomp audit records (type=1326, written for SCMP_ACT_LOG) and names the
 * syscalls one process made. A record looks like: {@code audit: type=1326 audit(1795499181.149:2):
 * ... pid=2572 comm="ls" ... arch=c000003e syscall=257 ...}
 */
public final class AuditRecords {
  private static final Pattern RECORD =
      Pattern.compile(
          "type=1326 audit\\((\\d+)\\.(\\d+):\\d+\\):.*?\\bpid=(\\d+)\\b.*?\\barch=([0-9a-f]+)\\b.*?\\bsyscall=(\\d+)\\b");
  private static final int X32_BIT = 0x40000000;

  /** AUDIT_ARCH_* values from include/uapi/linux/audit.h. */
  private static final Map<String, Architecture> AUDIT_ARCH =
      Map.of(
          "c000003e", Architecture.SCMP_ARCH_X86_64,
          "40000003", Architecture.SCMP_ARCH_X86,
          "c00000b7", Architecture.SCMP_ARCH_AARCH64,
          "40000028", Architecture.SCMP_ARCH_ARM,
          "80000016", Architecture.SCMP_ARCH_S390X,
          "c0000015", Architecture.SCMP_ARCH_PPC64LE,
          "c00000f3", Architecture.SCMP_ARCH_RISCV64);

  private AuditRecords() {}

  /**
   * What one process was recorded doing: syscall names per architecture, and numbers no table
   * names.
   */
  public record Recording(Map<Architecture, Set<String>> syscalls, Set<String> unnamed) {
    public Set<String> all() {
      Set<String> all = new TreeSet<>();
      syscalls.values().forEach(all::addAll);
      return all;
    }
  }

  /**
   * @param kernelLog the kernel log text, e.g. dmesg output
   * @param pid the process whose records count
   * @param sinceEpochSeconds records stamped earlier belong to an older process with the same pid
   */
  public static Recording parse(String kernelLog, long pid, long sinceEpochSeconds) {
    Map<Architecture, Set<String>> byArch = new java.util.EnumMap<>(Architecture.class);
    Set<String> unnamed = new TreeSet<>();
    Matcher m = RECORD.matcher(kernelLog);
    while (m.find()) {
      if (Long.parseLong(m.group(3)) != pid || Long.parseLong(m.group(1)) < sinceEpochSeconds) {
        continue;
      }
      Optional<Architecture> arch = Optional.ofNullable(AUDIT_ARCH.get(m.group(4)));
      int nr = Integer.parseInt(m.group(5));
      if (arch.isPresent() && arch.get() == Architecture.SCMP_ARCH_X86_64 && (nr & X32_BIT) != 0) {
        arch = Optional.of(Architecture.SCMP_ARCH_X32);
      }
      String name = arch.map(SyscallTables::of).map((SyscallTable t) -> t.name(nr)).orElse(null);
      if (name == null) {
        unnamed.add("arch=" + m.group(4) + " syscall=" + nr);
      } else {
        byArch.computeIfAbsent(arch.get(), a -> new TreeSet<>()).add(name);
      }
    }
    return new Recording(byArch, unnamed);
  }
}
