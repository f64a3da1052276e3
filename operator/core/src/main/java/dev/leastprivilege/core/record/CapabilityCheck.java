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
 */
public record CapabilityCheck(
    long tid, String comm, Capability capability, boolean granted, boolean incidental) {}
