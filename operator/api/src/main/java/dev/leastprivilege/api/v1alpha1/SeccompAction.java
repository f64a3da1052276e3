package dev.leastprivilege.api.v1alpha1;

/** What the kernel does with a matching system call (libseccomp / OCI names). */
public enum SeccompAction {
  SCMP_ACT_KILL_PROCESS,
  SCMP_ACT_KILL_THREAD,
  SCMP_ACT_KILL,
  SCMP_ACT_TRAP,
  SCMP_ACT_ERRNO,
  SCMP_ACT_TRACE,
  SCMP_ACT_ALLOW,
  SCMP_ACT_LOG,
  SCMP_ACT_NOTIFY
}
