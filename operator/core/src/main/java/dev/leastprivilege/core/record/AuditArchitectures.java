package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.util.Map;
import java.util.Optional;

/** The kernel's AUDIT_ARCH_* values (include/uapi/linux/audit.h) as audit records print them. */
final class AuditArchitectures {
  private static final Map<String, Architecture> BY_AUDIT_ARCH =
      Map.of(
          "c000003e", Architecture.SCMP_ARCH_X86_64,
          "40000003", Architecture.SCMP_ARCH_X86,
          "c00000b7", Architecture.SCMP_ARCH_AARCH64,
          "40000028", Architecture.SCMP_ARCH_ARM,
          "80000016", Architecture.SCMP_ARCH_S390X,
          "c0000015", Architecture.SCMP_ARCH_PPC64LE,
          "c00000f3", Architecture.SCMP_ARCH_RISCV64);

  /** x32 calls are x86_64 audit records whose number has this bit (__X32_SYSCALL_BIT). */
  static final int X32_BIT = 0x40000000;

  private AuditArchitectures() {}

  static Optional<Architecture> of(String auditArch, int number) {
    Architecture a = BY_AUDIT_ARCH.get(auditArch);
    if (a == Architecture.SCMP_ARCH_X86_64 && (number & X32_BIT) != 0) {
      a = Architecture.SCMP_ARCH_X32;
    }
    return Optional.ofNullable(a);
  }
}
