package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.caps.Capability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * nc-nonroot-trace.txt: a private trace instance on a 6.18 kernel (cap_capable with a stacktrace
 * trigger, sched_process_fork, sched_process_exec, raw_syscalls:sys_exit; set_event_pid on the
 * shell that became runc, event-fork on) while runc ran busybox {@code nc -l -p 80} as uid 1000,
 * container pid 10782. The bind was refused.
 */
class ContainerCapabilityTraceTest {
  private static final long CONTAINER_PID = 10782;

  static List<String> fixture() throws IOException {
    try (InputStream in =
        ContainerCapabilityTraceTest.class.getResourceAsStream("nc-nonroot-trace.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static ContainerCapabilityTrace.Result trace(List<String> lines) {
    ContainerCapabilityTrace t = new ContainerCapabilityTrace(CONTAINER_PID);
    lines.forEach(t::feed);
    return t.finish();
  }

  @Test
  void theRefusedBindIsTheOnlyNeed() throws IOException {
    ContainerCapabilityTrace.Result r = trace(fixture());
    assertTrue(r.workloadStarted());
    assertEquals(EnumSet.of(Capability.NET_BIND_SERVICE), r.needed());
    // busybox's setgid(getgid())/setuid(getuid()): refused, and the calls succeeded.
    assertEquals(2, r.refusedButSucceeded());
    // runc's init dropped the bounding set, set ids, and so on before the exec.
    assertTrue(r.runtimeChecks() > 10, "runtime checks: " + r.runtimeChecks());
    // brk's memory accounting asks for CAP_SYS_ADMIN.
    assertTrue(r.incidentalChecks() > 0);
  }

  @Test
  void withoutSyscallEndsEveryRefusalCounts() throws IOException {
    List<String> noExits = fixture().stream().filter(l -> !l.contains(": sys_exit: ")).toList();
    assertEquals(
        EnumSet.of(Capability.NET_BIND_SERVICE, Capability.SETGID, Capability.SETUID),
        trace(noExits).needed());
  }

  @Test
  void aTraceWithoutTheContainersExecHasNoWorkload() throws IOException {
    List<String> noExec =
        fixture().stream()
            .filter(l -> !l.contains("sched_process_exec: filename=/bin/nc"))
            .toList();
    ContainerCapabilityTrace.Result r = trace(noExec);
    assertTrue(!r.workloadStarted());
    assertEquals(EnumSet.noneOf(Capability.class), r.needed());
  }
}
