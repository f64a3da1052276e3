package dev.leastprivilege.api.v1alpha1;

/** The architectures the product ships syscall tables for. */
public enum Architecture {
  SCMP_ARCH_X86_64,
  SCMP_ARCH_X86,
  SCMP_ARCH_X32,
  SCMP_ARCH_AARCH64,
  SCMP_ARCH_ARM,
  SCMP_ARCH_S390X,
  SCMP_ARCH_PPC64LE,
  SCMP_ARCH_RISCV64
}
