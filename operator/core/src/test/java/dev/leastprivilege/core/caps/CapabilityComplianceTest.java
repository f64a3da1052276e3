package dev.leastprivilege.core.caps;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilityComplianceTest {
  private static CapabilityPolicySpec policy() {
    CapabilityPolicySpec p = new CapabilityPolicySpec();
    p.setAdd(List.of("NET_BIND_SERVICE"));
    p.setAllowed(List.of("CHOWN"));
    return p;
  }

  @Test
  void dropAllPlusPermittedAddsComplies() {
    assertEquals(List.of(), CapabilityCompliance.violations(policy(), List.of("ALL"),
        List.of("NET_BIND_SERVICE", "cap_chown")));
  }

  @Test
  void defaultDropIsAllAndExtraAddsAreNamed() {
    assertEquals(List.of("does not drop ALL", "adds SYS_ADMIN"),
        CapabilityCompliance.violations(policy(), List.of("NET_RAW"), List.of("SYS_ADMIN")));
  }

  @Test
  void namedDropsMustAllBeDropped() {
    CapabilityPolicySpec p = new CapabilityPolicySpec();
    p.setDrop(List.of("NET_RAW", "MKNOD"));
    assertEquals(List.of("does not drop MKNOD"), CapabilityCompliance.violations(p, List.of("NET_RAW"), List.of()));
    assertEquals(List.of(), CapabilityCompliance.violations(p, List.of("ALL"), List.of()));
  }
}
