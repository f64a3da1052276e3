package dev.leastprivilege.core.render;

import dev.leastprivilege.api.v1alpha1.SeccompAction;

/** Facts about seccomp actions that rendering and lint both need. */
public final class Actions {
  private Actions() {}

  /** True for actions that stop the call: everything but ALLOW and LOG. */
  public static boolean refuses(SeccompAction action) {
    return action != SeccompAction.SCMP_ACT_ALLOW && action != SeccompAction.SCMP_ACT_LOG;
  }

  /** errnoRet means something only to ERRNO (the errno) and TRACE (the tracer's message). */
  public static boolean takesErrno(SeccompAction action) {
    return action == SeccompAction.SCMP_ACT_ERRNO || action == SeccompAction.SCMP_ACT_TRACE;
  }
}
