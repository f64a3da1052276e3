package dev.leastprivilege.core.record;

import java.util.Set;

/**
 * Syscalls one recording can miss though every run may need them. runc's init is a Go program: whether its runtime
 * calls futex between loading the filter and exec varies from run to run (seen in 2 of 10 recordings of `true`
 * with no_new_privs, 7 of 10 without). A profile recorded without it kills runc before the workload starts,
 * now and then, so every recorded profile allows these.
 */
public final class RecordingGaps {
  public static final Set<String> ALWAYS_ALLOWED = Set.of("futex");

  private RecordingGaps() {}
}
