package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.caps.Capability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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

  /**
   * overlay-chown-trace.txt: the same trace while a root busybox ran {@code ls /; touch /tmp/f &&
   * chown 1000 /tmp/f} chrooted into an overlay mount (as containerd mounts a container's root
   * filesystem), cut to the shell's and its children's lines. Overlayfs copies /tmp up and reads
   * its trusted.* attributes with the mount's credentials: CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE,
   * CAP_SYS_ADMIN and a second CAP_CHOWN that the workload does not need.
   */
  @Test
  void leavesOutOverlayfsChecksMadeWithTheMountsCredentials() throws IOException {
    List<CapabilityCheck> checks;
    try (InputStream in =
        CapabilityTraceParserTest.class.getResourceAsStream("overlay-chown-trace.txt")) {
      checks =
          feedAll(
              new CapabilityTraceParser(),
              new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    }
    // The trace does hold the overlay's checks: they are read, and marked.
    assertEquals(
        Set.of(
            Capability.CHOWN,
            Capability.DAC_OVERRIDE,
            Capability.DAC_READ_SEARCH,
            Capability.SYS_ADMIN),
        checks.stream().map(CapabilityCheck::capability).collect(Collectors.toSet()));
    // What counts: chown's own CAP_CHOWN (setattr_prepare called by ovl_setattr, with the
    // caller's credentials), once; not the upper layer's (ext4_setattr under ovl_setattr).
    assertEquals(
        List.of(new CapabilityCheck(8827, "chown", Capability.CHOWN, true, false, "chown")),
        checks.stream().filter(c -> !c.incidental()).toList());
  }

  /**
   * overlay-ls-cluster-trace.txt: what the node recorder read in the cluster (containerd, overlayfs
   * snapshots) for a root {@code ls /} in a container with the default capabilities, which hold no
   * CAP_SYS_ADMIN: the container's own CAP_SYS_ADMIN checks are refused (ret -1, on brk and exec),
   * but the two overlayfs makes while looking a file up (its trusted.overlay.origin attribute) are
   * granted: they are made with the runtime's credentials, not the container's.
   */
  @Test
  void leavesOutOverlayfsLookupsInTheCluster() throws IOException {
    List<CapabilityCheck> checks;
    try (InputStream in =
        CapabilityTraceParserTest.class.getResourceAsStream("overlay-ls-cluster-trace.txt")) {
      checks =
          feedAll(
              new CapabilityTraceParser(),
              new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
    }
    assertEquals(7, checks.size());
    assertEquals(2, checks.stream().filter(CapabilityCheck::granted).count());
    assertEquals(List.of(), checks.stream().filter(c -> !c.incidental()).toList());
  }

  @Test
  void treatsNoauditPathsAsIncidental() {
    assertTrue(CapabilityTraceParser.isIncidentalFrame("has_ns_capability_noaudit"));
    assertTrue(CapabilityTraceParser.isIncidentalFrame("ns_capable_noaudit+0x2a/0x40"));
    assertTrue(CapabilityTraceParser.isIncidentalFrame("security_vm_enough_memory_mm"));
    assertTrue(!CapabilityTraceParser.isIncidentalFrame("capable_wrt_inode_uidgid"));
  }
}
