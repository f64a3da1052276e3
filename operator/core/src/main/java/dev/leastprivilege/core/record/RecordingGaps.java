package dev.leastprivilege.core.record;

import java.util.Set;

/**
 * Syscalls one recording can miss though every run may need them. runc's init is a Go program, and
 * what its runtime does between loading the filter and exec varies from run to run:
 *
 * <ul>
 *   <li>futex (seen in 2 of 10 recordings of `true` with no_new_privs, 7 of 10 without);
 *   <li>the runtime's preemption signal: one thread sends it (getpid, tgkill) and the interrupted
 *       one returns from the handler (rt_sigreturn). Seen on a real cluster: runc's init killed on
 *       rt_sigreturn under a profile recorded from `ls /`, in about one pod of ten;
 *   <li>sched_yield: the runtime yielding a thread, seen once (RuntimeNoiseIT, 2026-11-30) under
 *       builtin:runtime-baseline, which now holds it too.
 * </ul>
 *
 * A profile recorded without them kills runc before the workload starts, now and then, so every
 * recorded profile allows these.
 *
 * <p>Recording on builtin:runtime-baseline (the in-cluster recorder's default base: mode Audit logs
 * only what the base does not allow) has no such gap: 120 recordings of `true` under runc 1.1.5 on
 * a 6.18 kernel, as root and as uid 1000, with and without no_new_privs, logged no call of runc's
 * init at all, because the base holds every call runc makes after loading the filter, these four
 * included. The calls "missed before" were the ones a recording without a base must catch itself,
 * in one run, from a Go runtime that makes them only sometimes; and records the kernel dropped at
 * its printk rate limit ({@link LossSignals} now says so). RuntimeNoiseIT re-records `true` and
 * enforces the result 50 times.
 */
public final class RecordingGaps {
  public static final Set<String> ALWAYS_ALLOWED =
      Set.of("futex", "getpid", "tgkill", "rt_sigreturn", "sched_yield");

  private RecordingGaps() {}
}
