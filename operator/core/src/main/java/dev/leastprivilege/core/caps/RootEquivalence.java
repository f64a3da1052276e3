package dev.leastprivilege.core.caps;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Capabilities that, alone, can be turned into full control of the node. Each comes with the
 * reason, because a warning that teaches is one that gets acted on.
 */
public final class RootEquivalence {
  private static final Map<Capability, String> REASONS = new EnumMap<>(Capability.class);

  static {
    REASONS.put(
        Capability.SYS_ADMIN,
        "CAP_SYS_ADMIN is \"the new root\" (capabilities(7)): mount, namespaces,"
            + " BPF, quotas and dozens more privileged operations hang off it");
    REASONS.put(
        Capability.SYS_MODULE, "CAP_SYS_MODULE loads kernel modules: arbitrary code in the kernel");
    REASONS.put(
        Capability.SYS_RAWIO,
        "CAP_SYS_RAWIO gives raw access to devices, I/O ports and MSRs, and so to"
            + " kernel memory");
    REASONS.put(
        Capability.SYS_PTRACE,
        "CAP_SYS_PTRACE reads and writes the memory of any process it can see");
    REASONS.put(
        Capability.DAC_READ_SEARCH,
        "CAP_DAC_READ_SEARCH allows open_by_handle_at, which reads files"
            + " outside the container (the \"shocker\" escape)");
    REASONS.put(
        Capability.BPF,
        "CAP_BPF loads programs into the kernel; with CAP_PERFMON they can read kernel"
            + " memory");
    REASONS.put(Capability.SYS_BOOT, "CAP_SYS_BOOT can kexec a new kernel");
    REASONS.put(
        Capability.MAC_ADMIN,
        "CAP_MAC_ADMIN rewrites the AppArmor or SELinux policy that confines the" + " container");
    REASONS.put(
        Capability.NET_ADMIN,
        "CAP_NET_ADMIN reconfigures the node's network when the pod shares it, and"
            + " exposes a large kernel attack surface");
  }

  private RootEquivalence() {}

  /** Why the capability is root-equivalent, if it is. */
  public static Optional<String> reason(Capability c) {
    return Optional.ofNullable(REASONS.get(c));
  }
}
