package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The fork and exec sequence of a runc container start, as the trace showed it with runc 1.1. */
class EnteringTasksTest {
  @Test
  void runcsStagesAreTheRuntimesUntilTheWorkloadsExec() {
    EnteringTasks t = new EnteringTasks();
    t.forked(100, 101, false); // the shim forks runc
    t.exec(101, "/usr/sbin/runc");
    assertFalse(t.isEntering(101), "runc itself runs on the host, a host process");
    t.forked(101, 102, false); // runc starts its init
    t.exec(102, "/proc/self/exe");
    t.exec(102, "/dev/fd/6");
    assertTrue(t.isEntering(102), "runc init, re-executed, is still the runtime");
    t.forked(102, 103, true); // nsexec's stages, already in the container's cgroup
    t.forked(103, 104, true);
    assertTrue(t.isEntering(104), "runc:[2:INIT] before the exec");
    t.exec(104, "/bin/sh");
    assertFalse(t.isEntering(104), "the workload");
    t.forked(104, 105, true);
    assertFalse(t.isEntering(105), "the workload's children are the workload's");
  }
}
