package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Names the syscalls one process made, from the kernel's seccomp audit records (type=1326, written
 * for SCMP_ACT_LOG) as {@link SeccompRecordParser} reads them.
 */
public final class AuditRecords {
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
    Map<Architecture, Set<String>> byArch = new EnumMap<>(Architecture.class);
    Set<String> unnamed = new TreeSet<>();
    for (String line : kernelLog.split("\n")) {
      SeccompRecordParser.parseRaw(line)
          .filter(raw -> raw.record().pid() == pid)
          .filter(raw -> raw.record().time().getEpochSecond() >= sinceEpochSeconds)
          .ifPresent(
              raw -> {
                SeccompRecord r = raw.record();
                if (r.syscall() == null) {
                  unnamed.add("arch=" + raw.auditArch() + " syscall=" + r.number());
                } else {
                  byArch.computeIfAbsent(r.arch(), a -> new TreeSet<>()).add(r.syscall());
                }
              });
    }
    return new Recording(byArch, unnamed);
  }
}
