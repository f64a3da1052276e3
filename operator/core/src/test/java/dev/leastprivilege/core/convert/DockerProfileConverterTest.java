package dev.leastprivilege.core.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DockerProfileConverterTest {
  private static ConvertedProfile convert(Architecture arch, CapabilitySet caps, String kernel)
      throws Exception {
    JsonNode root =
        new ObjectMapper()
            .readTree(DockerProfileConverterTest.class.getResource("/docker-style.json"));
    return DockerProfileConverter.convert(
        root, new ConversionTarget(arch, caps, Optional.ofNullable(kernel)));
  }

  private static Set<String> namesWith(SeccompProfileSpec s, SeccompAction action) {
    Set<String> names = new TreeSet<>();
    for (SyscallRule r : s.getSyscalls()) {
      if (r.getAction() == action && r.getArgs().isEmpty()) {
        names.addAll(r.getNames());
      }
    }
    return names;
  }

  @Test
  void x86_64WithoutSysAdmin() throws Exception {
    ConvertedProfile c = convert(Architecture.SCMP_ARCH_X86_64, RuntimeDefaults.CONTAINERD, null);
    SeccompProfileSpec s = c.spec();
    assertEquals(
        List.of(
            Architecture.SCMP_ARCH_X86_64, Architecture.SCMP_ARCH_X86, Architecture.SCMP_ARCH_X32),
        s.getArchitectures(),
        "sub-architectures expanded");
    assertEquals(
        Set.of("_llseek", "arch_prctl", "io_uring_setup", "read", "write"),
        namesWith(s, SeccompAction.SCMP_ACT_ALLOW));
    assertEquals(
        Set.of("mount", "setns"),
        namesWith(s, SeccompAction.SCMP_ACT_ERRNO),
        "the refusing action wins a conflict");
    assertTrue(
        c.notes().stream()
            .anyMatch(n -> n.startsWith("setns: both SCMP_ACT_ALLOW and SCMP_ACT_ERRNO")),
        c.notes().toString());
    assertTrue(c.notes().stream().anyMatch(n -> n.contains("not_a_syscall")), c.notes().toString());
    assertEquals(
        1, s.getSyscalls().stream().filter(r -> !r.getArgs().isEmpty()).count(), "arg rules kept");
  }

  @Test
  void withSysAdminTheCapabilityGatedRulesApply() throws Exception {
    SeccompProfileSpec s =
        convert(
                Architecture.SCMP_ARCH_X86_64,
                RuntimeDefaults.CONTAINERD.union(CapabilitySet.of(Capability.SYS_ADMIN)),
                null)
            .spec();
    assertTrue(namesWith(s, SeccompAction.SCMP_ACT_ALLOW).containsAll(Set.of("mount", "setns")));
    assertTrue(namesWith(s, SeccompAction.SCMP_ACT_ERRNO).isEmpty());
  }

  @Test
  void archAndKernelConditionsAreDecided() throws Exception {
    SeccompProfileSpec arm =
        convert(Architecture.SCMP_ARCH_AARCH64, RuntimeDefaults.CONTAINERD, "4.19").spec();
    assertEquals(
        List.of(Architecture.SCMP_ARCH_AARCH64, Architecture.SCMP_ARCH_ARM),
        arm.getArchitectures());
    Set<String> allowed = namesWith(arm, SeccompAction.SCMP_ACT_ALLOW);
    assertFalse(allowed.contains("arch_prctl"), "amd64-only rule");
    assertFalse(allowed.contains("io_uring_setup"), "needs 5.1");
    assertTrue(allowed.contains("_llseek"), "arm has it");
  }

  @Test
  void notAProfileIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            DockerProfileConverter.convert(
                new ObjectMapper().readTree("{\"syscalls\": []}"),
                new ConversionTarget(
                    Architecture.SCMP_ARCH_X86_64, CapabilitySet.EMPTY, Optional.empty())));
  }

  @Test
  void wrongTypesInRulesAreErrorsNamingTheFieldNotZeros() {
    for (String[] c :
        new String[][] {
          {
            "{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"personality\"],"
                + " \"args\": [{\"index\": \"a\", \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}",
            "syscalls[0].args[0].index: "
          },
          {
            "{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"mount\"], \"errnoRet\": \"EPERM\"}",
            "syscalls[0].errnoRet: must be a whole number"
          },
          {
            "{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [\"personality\"],"
                + " \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\", \"x\": 1}]}",
            "syscalls[0].args[0].x: unknown field \"x\""
          }
        }) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  DockerProfileConverter.convert(
                      new ObjectMapper()
                          .readTree(
                              "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                                  + c[0]
                                  + "]}"),
                      new ConversionTarget(
                          Architecture.SCMP_ARCH_X86_64, CapabilitySet.EMPTY, Optional.empty())));
      assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
    }
  }
}
