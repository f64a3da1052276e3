package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.caps.Capability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * cap_capable-trace_pipe.txt: trace_pipe of a private instance on a 6.18 kernel, event
 * capability/cap_capable with a stacktrace trigger, while runc ran a container doing chown.
 */
class CapabilityTraceParserTest {
  static List<String> fixture() throws IOException {
    try (InputStream in =
        CapabilityTraceParserTest.class.getResourceAsStream("cap_capable-trace_pipe.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  static List<CapabilityCheck> feedAll(CapabilityTraceParser parser, List<String> lines) {
    List<CapabilityCheck> out = new ArrayList<>();
    lines.forEach(l -> out.addAll(parser.feed(l)));
    out.addAll(parser.flush());
    return out;
  }

  @Test
  void readsChecksWithTheirStacks() throws IOException {
    List<CapabilityCheck> checks = feedAll(new CapabilityTraceParser(), fixture());
    assertEquals(
        List.of(
            // A root shell forking: CAP_SYS_ADMIN asked by security_vm_enough_memory_mm.
            new CapabilityCheck(16733, "sh", Capability.SYS_ADMIN, true, true, "clone"),
            // runc's init dropping the bounding set: a real check (runtime noise is decided
            // elsewhere).
            new CapabilityCheck(16773, "runc:[2:INIT]", Capability.SETPCAP, true, false, "prctl"),
            // seccomp's JIT asks through ns_capable_noaudit.
            new CapabilityCheck(16773, "runc:[2:INIT]", Capability.SYS_ADMIN, false, true, "prctl"),
            // chown in a container without CAP_CHOWN: refused, and a need.
            new CapabilityCheck(16779, "<...>", Capability.CHOWN, false, false, "chown")),
        checks);
  }

  @Test
  void matchesStacksToTheirEventsWhenCpusInterleave() throws IOException {
    List<String> lines = fixture();
    // The real lines, reordered as two CPUs can emit them: both events, then both stacks.
    List<String> chownEvent = lines.subList(37, 39);
    List<String> shEvent = lines.subList(0, 11);
    List<String> interleaved = new ArrayList<>();
    interleaved.add(shEvent.get(0));
    interleaved.add(chownEvent.get(0));
    interleaved.addAll(shEvent.subList(1, shEvent.size()));
    interleaved.addAll(lines.subList(38, lines.size()));
    List<CapabilityCheck> checks = feedAll(new CapabilityTraceParser(), interleaved);
    assertEquals(
        List.of(
            new CapabilityCheck(16733, "sh", Capability.SYS_ADMIN, true, true, "clone"),
            new CapabilityCheck(16779, "<...>", Capability.CHOWN, false, false, "chown")),
        checks);
  }

  @Test
  void completesAChecksWithoutAStackWhenTheTaskIsCheckedAgain() throws IOException {
    String event = fixture().get(0);
    CapabilityTraceParser parser = new CapabilityTraceParser();
    assertTrue(parser.feed(event).isEmpty());
    assertEquals(1, parser.feed(event).size());
    assertEquals(1, parser.flush().size());
  }

  @Test
  void readsExecEvents() {
    assertEquals(
        new CapabilityTraceParser.Exec(10782, "/bin/nc"),
        CapabilityTraceParser.exec(
                "              nc-10782   [000] ..... 31164.931650: sched_process_exec: filename=/bin/nc pid=10782 old_pid=10782")
            .orElseThrow());
  }

  @Test
  void treatsNoauditPathsAsIncidental() {
    assertTrue(CapabilityTraceParser.isIncidentalFrame("has_ns_capability_noaudit"));
    assertTrue(CapabilityTraceParser.isIncidentalFrame("ns_capable_noaudit+0x2a/0x40"));
    assertTrue(CapabilityTraceParser.isIncidentalFrame("security_vm_enough_memory_mm"));
    assertTrue(!CapabilityTraceParser.isIncidentalFrame("capable_wrt_inode_uidgid"));
  }
}
