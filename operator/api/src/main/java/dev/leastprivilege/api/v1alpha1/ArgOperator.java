package dev.leastprivilege.api.v1alpha1;

/** How a system call argument is compared (libseccomp / OCI names). */
public enum ArgOperator {
  SCMP_CMP_NE,
  SCMP_CMP_LT,
  SCMP_CMP_LE,
  SCMP_CMP_EQ,
  SCMP_CMP_GE,
  SCMP_CMP_GT,
  SCMP_CMP_MASKED_EQ
}
