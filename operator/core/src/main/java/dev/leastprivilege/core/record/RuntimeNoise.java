package dev.leastprivilege.core.record;

import java.util.Set;

/**
 * Records the container runtime makes in the container's cgroup before the workload's exec: they
 * are the runtime's needs, not the workload's. runc's init re-executes itself and names its stages
 * by comm (runc/libcontainer/nsenter): "runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]"; the
 * last is the one that loads the seccomp filter and then execs the workload, so its seccomp records
 * (exe "/", the sealed memfd runc runs from) are calls runc made under the filter. Its capability
 * checks (CAP_SETPCAP for dropping the bounding set, CAP_SETUID/SETGID, CAP_SYS_ADMIN for mounts
 * and namespaces) are the runtime's own.
 *
 * <p>How to use it: a capability check by the runtime is never the workload's need (the runtime
 * checks before it drops to the container's set), so it is left out. A seccomp record by the
 * runtime is different: the call ran under the container's filter, so a profile that refuses it
 * kills the container before its program starts. With builtin:runtime-baseline as the base there
 * are none (see {@link RecordingGaps}); with a base that misses some, keep them in the result and
 * warn that the base does not cover the runtime, rather than produce a profile that cannot start.
 */
public final class RuntimeNoise {
  /** runc's init stages, named by runc through prctl(PR_SET_NAME). */
  static final Set<String> RUNC_INIT_COMMS =
      Set.of("runc:[0:PARENT]", "runc:[1:CHILD]", "runc:[2:INIT]");

  private RuntimeNoise() {}

  /**
   * true for records the container runtime made before the workload's exec (runc init: comm
   * "runc:[2:INIT]" and its earlier stages, whatever exe says).
   */
  public static boolean isRuntime(String comm, String exe) {
    return comm != null && RUNC_INIT_COMMS.contains(comm);
  }
}
