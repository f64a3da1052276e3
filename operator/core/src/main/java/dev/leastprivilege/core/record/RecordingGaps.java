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
 *       rt_sigreturn under a profile recorded from `ls /`, in about one pod of ten.
 * </ul>
 *
 * A profile recorded without them kills runc before the workload starts, now and then, so every
 * recorded profile allows these.
 */
public final class RecordingGaps {
  public static final Set<String> ALWAYS_ALLOWED =
      Set.of("futex", "getpid", "tgkill", "rt_sigreturn");

  private RecordingGaps() {}
}
