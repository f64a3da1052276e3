package dev.leastprivilege.core.caps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
  @Test
  void fortyOneCapabilitiesInKernelOrder() {
    assertEquals(41, Capability.values().length);
    assertEquals(0, Capability.CHOWN.number());
    assertEquals(21, Capability.SYS_ADMIN.number());
    assertEquals(40, Capability.CHECKPOINT_RESTORE.number());
  }

  @Test
  void decodesLikeCapsh() {
    assertEquals(
        "cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,"
            + "cap_net_bind_service,cap_sys_chroot,cap_setfcap",
        CapabilitySet.decode("0x00000000800405fb").toCapshString());
    assertEquals("cap_net_bind_service", CapabilitySet.decode("0000000000000400").toCapshString());
    assertEquals("", CapabilitySet.decode("0").toCapshString());
  }

  @Test
  void encodesLikeProcStatus() {
    assertEquals("0x00000000800405fb", RuntimeDefaults.PODMAN.encode());
    assertEquals("0x0000000000000400", CapabilitySet.of(Capability.NET_BIND_SERVICE).encode());
    assertEquals("0x000001ffffffffff", CapabilitySet.ALL.encode());
  }

  @Test
  void badMasksAreRefusedWithTheInput() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CapabilitySet.decode("0xzz"));
    assertTrue(e.getMessage().contains("0xzz"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CapabilitySet.decode("0x1234567890abcdef0"));
  }

  @Test
  void namesParseWithOrWithoutPrefixInAnyCase() {
    for (String s :
        List.of(
            "net_bind_service",
            "NET_BIND_SERVICE",
            "cap_net_bind_service",
            "CAP_NET_BIND_SERVICE")) {
      assertEquals(Capability.NET_BIND_SERVICE, Capability.parse(s).orElseThrow(), s);
    }
    assertTrue(Capability.parse("NET_BIND").isEmpty());
  }

  @Test
  void dropAllThenAddKeepsOnlyTheAdded() {
    List<FieldError> errors = new ArrayList<>();
    CapabilityChange c =
        CapabilityChange.parse(List.of("ALL"), "drop", List.of("NET_BIND_SERVICE"), "add", errors);
    assertEquals(List.of(), errors);
    assertEquals(
        CapabilitySet.of(Capability.NET_BIND_SERVICE), c.applyTo(RuntimeDefaults.CONTAINERD));
  }

  @Test
  void dropRemovesFromTheRuntimeDefault() {
    List<FieldError> errors = new ArrayList<>();
    CapabilitySet s =
        CapabilityChange.parse(List.of("CHOWN"), "drop", List.of(), "add", errors)
            .applyTo(RuntimeDefaults.CONTAINERD);
    assertEquals(13, s.capabilities().size());
    assertTrue(!s.contains(Capability.CHOWN) && s.contains(Capability.KILL));
  }

  @Test
  void addAllGivesEverythingAndAddWinsOverDrop() {
    List<FieldError> errors = new ArrayList<>();
    assertEquals(
        CapabilitySet.ALL,
        CapabilityChange.parse(List.of(), "d", List.of("ALL"), "a", errors)
            .applyTo(RuntimeDefaults.CRIO));
    CapabilitySet s =
        CapabilityChange.parse(List.of("SYS_TIME"), "d", List.of("SYS_TIME"), "a", errors)
            .applyTo(RuntimeDefaults.CRIO);
    assertTrue(s.contains(Capability.SYS_TIME));
  }

  @Test
  void unknownNamesAreErrorsAtTheirIndex() {
    List<FieldError> errors = new ArrayList<>();
    CapabilityChange.parse(
        List.of("ALL"), "spec.drop", List.of("NET_ADMIN", "CAP_SUPERPOWER"), "spec.add", errors);
    assertEquals(1, errors.size());
    assertEquals("spec.add[1]", errors.get(0).path());
    assertTrue(errors.get(0).message().startsWith("unknown capability \"CAP_SUPERPOWER\""));
  }

  @Test
  void policyWarnsAboutRootEquivalentCapabilities() {
    var spec = new dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec();
    spec.setAllowed(List.of("SYS_ADMIN", "NET_BIND_SERVICE"));
    spec.setAdd(List.of("sys_module"));
    CapabilityPolicyValidator.Result r = CapabilityPolicyValidator.validate("shop", "web", spec);
    assertEquals(List.of(), r.errors());
    assertEquals(2, r.warnings().size(), r.warnings().toString());
    assertTrue(
        r.warnings().stream()
            .anyMatch(
                w ->
                    w.startsWith("spec.allowed: SYS_ADMIN is root-equivalent")
                        && w.contains("the new root")),
        r.warnings().toString());
  }

  @Test
  void policyRefusesUnknownCapabilities() {
    var spec = new dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec();
    spec.setAllowed(List.of("NET_BIND"));
    CapabilityPolicyValidator.Result r = CapabilityPolicyValidator.validate("shop", "web", spec);
    assertEquals("spec.allowed[0]", r.errors().get(0).path());
  }
}
