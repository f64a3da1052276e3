package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The node recorder's rule on the real lines of nc-nonroot-trace.txt (busybox {@code nc -l -p 80}
 * as uid 1000, task 10782): the sys_exit lines are cut down to what the recorder's kernel-side
 * filter passes ({@link FallbackSyscalls#filter}), as the kernel would.
 */
class RefusedChecksTest {
  private static final long NC = 10782;
  private static final Set<Integer> FILTERED =
      FallbackSyscalls.NAMES.stream()
          .map(n -> SyscallTables.of(Architecture.SCMP_ARCH_X86_64).number(n))
          .filter(n -> n.isPresent())
          .map(n -> n.getAsInt())
          .collect(Collectors.toSet());

  /** The fixture as the recorder's instance sees it: only the ends the filter passes. */
  private static List<String> filtered() throws IOException {
    return ContainerCapabilityTraceTest.fixture().stream()
        .filter(l -> FallbackSyscalls.exit(l).map(e -> FILTERED.contains(e.number())).orElse(true))
        .toList();
  }

  /** Feeds lines as the recorder does; returns the capabilities nc's checks count as needs. */
  private static Set<Capability> needsOfNc(List<String> lines, RefusedChecks refused) {
    CapabilityTraceParser parser = new CapabilityTraceParser();
    List<CapabilityCheck> needs = new ArrayList<>();
    boolean[] execed = {false};
    java.util.function.Consumer<CapabilityCheck> count =
        c -> {
          if (c.tid() == NC && execed[0] && !c.incidental()) {
            needs.addAll(refused.check(c, 0));
          }
        };
    for (String line : lines) {
      parser.feed(line).forEach(count);
      FallbackSyscalls.exit(line).ifPresent(e -> needs.addAll(refused.exit(e)));
      CapabilityTraceParser.exec(line)
          .filter(x -> x.tid() == NC && x.filename().equals("/bin/nc"))
          .ifPresent(x -> execed[0] = true);
    }
    parser.flush().forEach(count);
    needs.addAll(refused.flush());
    return needs.stream()
        .map(CapabilityCheck::capability)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Capability.class)));
  }

  @Test
  void theFilterNamesTheFallbackCallsByTheArchitecturesNumbers() {
    assertEquals(
        "id == 105 || id == 106 || id == 113 || id == 114 || id == 117 || id == 119"
            + " || id == 90 || id == 91 || id == 268 || id == 452",
        FallbackSyscalls.filter(SyscallTables.of(Architecture.SCMP_ARCH_X86_64)));
  }

  @Test
  void theStackNamesTheCallOfEachCheck() throws IOException {
    CapabilityTraceParser parser = new CapabilityTraceParser();
    List<CapabilityCheck> checks = new ArrayList<>();
    ContainerCapabilityTraceTest.fixture().forEach(l -> checks.addAll(parser.feed(l)));
    checks.addAll(parser.flush());
    List<String> ncRefused =
        checks.stream()
            .filter(c -> c.tid() == NC && c.comm().equals("nc") && !c.incidental())
            .map(c -> c.capability() + " in " + c.syscall())
            .toList();
    assertEquals(
        List.of("SETGID in setgid", "SETUID in setuid", "NET_BIND_SERVICE in bind"), ncRefused);
  }

  @Test
  void refusedSetuidAndSetgidThatSucceededAreNoNeedButTheRefusedBindIs() throws IOException {
    RefusedChecks refused = new RefusedChecks(RefusedChecks.Ends.FALLBACK_CALLS);
    assertEquals(EnumSet.of(Capability.NET_BIND_SERVICE), needsOfNc(filtered(), refused));
    assertEquals(2, refused.refusedButSucceeded());
  }

  @Test
  void withoutTheEndsEveryRefusalIsANeed() throws IOException {
    // The recorder's fallback when the event cannot be enabled: as before.
    assertEquals(
        EnumSet.of(Capability.NET_BIND_SERVICE, Capability.SETGID, Capability.SETUID),
        needsOfNc(filtered(), new RefusedChecks(RefusedChecks.Ends.NONE)));
    // Enabled, but the ends lost (a full buffer): held checks count when the trace ends.
    List<String> noEnds = filtered().stream().filter(l -> !l.contains(": sys_exit: ")).toList();
    assertEquals(
        EnumSet.of(Capability.NET_BIND_SERVICE, Capability.SETGID, Capability.SETUID),
        needsOfNc(noEnds, new RefusedChecks(RefusedChecks.Ends.FALLBACK_CALLS)));
  }

  @Test
  void aFailedCallMakesTheRefusalANeed() {
    RefusedChecks refused = new RefusedChecks(RefusedChecks.Ends.FALLBACK_CALLS);
    CapabilityCheck setuid =
        new CapabilityCheck(7, "app", Capability.SETUID, false, false, "setuid");
    assertEquals(List.of(), refused.check(setuid, 0));
    assertEquals(List.of(setuid), refused.exit(new FallbackSyscalls.Exit(7, 105, -1)));
    assertEquals(0, refused.held());
  }

  @Test
  void aHeldCheckWhoseEndDoesNotComeCountsAtTheBoundOrTheTasksNextCall() {
    RefusedChecks refused = new RefusedChecks(RefusedChecks.Ends.FALLBACK_CALLS);
    CapabilityCheck setuid =
        new CapabilityCheck(7, "app", Capability.SETUID, false, false, "setuid");
    refused.check(setuid, 1000);
    assertEquals(List.of(), refused.expire(1000));
    assertEquals(List.of(setuid), refused.expire(1001));

    refused.check(setuid, 2000);
    CapabilityCheck chown =
        new CapabilityCheck(7, "app", Capability.CHOWN, false, false, "fchownat");
    // Another call of the same task: the setuid ended unseen; the chown is counted at once.
    assertEquals(List.of(setuid, chown), refused.check(chown, 2001));
    // An end of another task leaves it alone; a granted check is a need at once.
    CapabilityCheck granted =
        new CapabilityCheck(8, "app", Capability.SETGID, true, false, "setgid");
    assertEquals(List.of(granted), refused.check(granted, 2002));
  }

  @Test
  void readsSysExitLines() {
    assertEquals(
        Optional.of(new FallbackSyscalls.Exit(10782, 106, 0)),
        FallbackSyscalls.exit(
            "              nc-10782   [000] .N... 31164.941882: sys_exit: NR 106 = 0"));
    assertEquals(
        Optional.empty(),
        FallbackSyscalls.exit("              nc-10782   [000] .N... 31164.941874: <stack trace>"));
  }
}
