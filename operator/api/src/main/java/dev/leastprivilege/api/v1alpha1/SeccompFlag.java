package dev.leastprivilege.api.v1alpha1;

/** Flags passed to seccomp(2) when the filter is loaded (OCI names). */
public enum SeccompFlag {
  SECCOMP_FILTER_FLAG_TSYNC,
  SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
}
