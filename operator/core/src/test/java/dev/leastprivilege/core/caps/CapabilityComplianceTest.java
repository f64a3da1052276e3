package dev.leastprivilege.core.caps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilityComplianceTest {
  private static final CapabilityChange.Parsed DROP_ALL =
      new CapabilityChange.Parsed(true, CapabilitySet.EMPTY);
  private static final CapabilitySet PERMITTED =
      CapabilitySet.of(Capability.NET_BIND_SERVICE, Capability.CHOWN);

  @Test
  void dropAllPlusPermittedAddsComplies() {
    assertEquals(
        List.of(),
        CapabilityCompliance.violations(
            DROP_ALL, PERMITTED, List.of("ALL"), List.of("NET_BIND_SERVICE", "chown")));
  }

  @Test
  void defaultDropIsAllAndExtraAddsAreNamed() {
    assertEquals(
        List.of("does not drop ALL", "adds SYS_ADMIN"),
        CapabilityCompliance.violations(
            DROP_ALL, PERMITTED, List.of("NET_RAW"), List.of("SYS_ADMIN")));
  }

  @Test
  void namedDropsMustAllBeDropped() {
    CapabilityChange.Parsed drop =
        CapabilityChange.parseList(List.of("NET_RAW", "MKNOD"), "drop", new ArrayList<>());
    assertEquals(
        List.of("does not drop MKNOD"),
        CapabilityCompliance.violations(drop, PERMITTED, List.of("NET_RAW"), List.of()));
    assertEquals(
        List.of(), CapabilityCompliance.violations(drop, PERMITTED, List.of("ALL"), List.of()));
  }

  @Test
  void theContainersListsAreReadAsTheRuntimeReadsThem() {
    // containerd compares upper-cased entries with "ALL" without trimming: " ALL" drops nothing.
    List<String> wrong =
        CapabilityCompliance.violations(DROP_ALL, PERMITTED, List.of(" ALL"), List.of());
    assertEquals(1, wrong.size());
    assertTrue(
        wrong.get(0).startsWith("does not drop ALL (drop [\" ALL\"] is not read as written"),
        wrong.get(0));
    // Lower case is upper-cased by the runtime, so it counts; CAP_ is prefixed again, so CAP_MKNOD
    // drops nothing.
    assertEquals(
        List.of(), CapabilityCompliance.violations(DROP_ALL, PERMITTED, List.of("all"), List.of()));
    CapabilityChange.Parsed mknod =
        CapabilityChange.parseList(List.of("MKNOD"), "drop", new ArrayList<>());
    assertEquals(
        1,
        CapabilityCompliance.violations(mknod, PERMITTED, List.of("CAP_MKNOD"), List.of()).size());
  }

  @Test
  void runtimeReadingAndCanonicalSpelling() {
    assertEquals(
        new CapabilityChange.Parsed(false, CapabilitySet.of(Capability.CHOWN)),
        RuntimeCapabilities.read(List.of("chown", "CAP_NET_RAW", " KILL", "NOPE")));
    assertTrue(RuntimeCapabilities.read(List.of("aLl")).all());
    assertTrue(RuntimeCapabilities.canonical(List.of("ALL", "NET_RAW")));
    for (String odd : List.of(" ALL", "all", "CAP_NET_RAW", "net_raw", "NET_RAW ")) {
      assertEquals(false, RuntimeCapabilities.canonical(List.of(odd)), odd);
    }
  }
}
