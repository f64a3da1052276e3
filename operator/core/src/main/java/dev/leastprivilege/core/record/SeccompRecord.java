package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.time.Instant;

/**
 * One seccomp audit record (type 1326 / type=SECCOMP), written by the kernel for a call a filter
 * answered with SCMP_ACT_LOG. {@code arch} is null when the audit architecture is not one this
 * product knows; {@code syscall} is null when no table names the number.
 *
 * @param pid the thread that made the call (the kernel's pid, a task id)
 * @param comm the task's command name (at most 15 characters, set by exec or prctl)
 * @param exe the executable's path as the kernel saw it ("/" for runc's init, which runs from a
 *     sealed memfd)
 * @param number the syscall number as the architecture numbers it (x32 calls keep their 0x40000000
 *     bit)
 * @param time the record's audit timestamp
 */
public record SeccompRecord(
    long pid,
    String comm,
    String exe,
    Architecture arch,
    int number,
    String syscall,
    Instant time) {}
