package dev.leastprivilege.core.caps;

import java.util.Locale;
import java.util.Optional;

/**
 * Every Linux capability, by its number in the kernel's bit masks
 * (include/uapi/linux/capability.h).
 */
public enum Capability {
  CHOWN,
  DAC_OVERRIDE,
  DAC_READ_SEARCH,
  FOWNER,
  FSETID,
  KILL,
  SETGID,
  SETUID,
  SETPCAP,
  LINUX_IMMUTABLE,
  NET_BIND_SERVICE,
  NET_BROADCAST,
  NET_ADMIN,
  NET_RAW,
  IPC_LOCK,
  IPC_OWNER,
  SYS_MODULE,
  SYS_RAWIO,
  SYS_CHROOT,
  SYS_PTRACE,
  SYS_PACCT,
  SYS_ADMIN,
  SYS_BOOT,
  SYS_NICE,
  SYS_RESOURCE,
  SYS_TIME,
  SYS_TTY_CONFIG,
  MKNOD,
  LEASE,
  AUDIT_WRITE,
  AUDIT_CONTROL,
  SETFCAP,
  MAC_OVERRIDE,
  MAC_ADMIN,
  SYSLOG,
  WAKE_ALARM,
  BLOCK_SUSPEND,
  AUDIT_READ,
  PERFMON,
  BPF,
  CHECKPOINT_RESTORE;

  /** The bit number; the enum is declared in kernel order, so this is the ordinal. */
  public int number() {
    return ordinal();
  }

  /** As Kubernetes and the OCI spec write it: CAP_CHOWN. */
  public String capName() {
    return "CAP_" + name();
  }

  /** As capsh prints it: cap_chown. */
  public String lowerName() {
    return "cap_" + name().toLowerCase(Locale.ROOT);
  }

  /** Parses chown, CHOWN, cap_chown or CAP_CHOWN. "ALL" is not a capability: callers handle it. */
  public static Optional<Capability> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String upper = text.trim().toUpperCase(Locale.ROOT);
    if (upper.startsWith("CAP_")) {
      upper = upper.substring(4);
    }
    try {
      return Optional.of(valueOf(upper));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static Optional<Capability> ofNumber(int number) {
    Capability[] all = values();
    return number >= 0 && number < all.length ? Optional.of(all[number]) : Optional.empty();
  }
}
