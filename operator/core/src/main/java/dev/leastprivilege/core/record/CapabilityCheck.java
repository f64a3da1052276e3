package dev.leastprivilege.core.record;

import dev.leastprivilege.core.caps.Capability;

/**
 * One capability check from the capability:cap_capable trace event. Granted (ret 0) and refused
 * (ret &lt; 0) checks both mean the task asked for the capability; {@code incidental} checks do not
 * mean the workload needs it (see {@link CapabilityTraceParser#isIncidental}).
 *
 * @param tid the task that was checked
 * @param comm its command name as the trace printed it ("&lt;...&gt;" when the trace's command
 *     cache had no entry)
 * @param syscall the system call the check was made in, as the stack names it ("setuid" from {@code
 *     __sys_setuid}), or null when the stack names none (or there was no stack)
 */
public record CapabilityCheck(
    long tid,
    String comm,
    Capability capability,
    boolean granted,
    boolean incidental,
    String syscall) {

  /** A check whose system call is not known. */
  public CapabilityCheck(
      long tid, String comm, Capability capability, boolean granted, boolean incidental) {
    this(tid, comm, capability, granted, incidental, null);
  }
}
