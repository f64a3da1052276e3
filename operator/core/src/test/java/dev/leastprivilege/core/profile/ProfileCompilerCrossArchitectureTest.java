package dev.leastprivilege.core.profile;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_LOG;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.ProfileRef;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compile path every component takes: cross-architecture names warn and are rendered. */
class ProfileCompilerCrossArchitectureTest {
  private static final ProfileRef REF = new ProfileRef("shop", "high-risk");

  private static SeccompProfileSpec highRisk() {
    return spec(
        SCMP_ACT_LOG,
        rule(SCMP_ACT_ALLOW, "exit", "exit_group", "futex", "nanosleep"),
        rule(SCMP_ACT_ERRNO, "settimeofday", "stime", "umount2", "umount", "vm86old", "vm86"));
  }

  @Test
  void compilesWithOneWarningPerForeignNameAndKeepsThemInTheNodeFile() {
    CompiledProfile c = ProfileCompiler.compile(REF, highRisk(), ProfileLookup.none());
    assertTrue(c.ok(), c.errors()::toString);
    List<String> foreign =
        c.warnings().stream().filter(w -> w.contains("is a system call on")).toList();
    assertEquals(4, foreign.size(), c.warnings()::toString);
    assertTrue(
        foreign.get(0).startsWith("spec.syscalls[1].names[1]: \"stime\""), foreign::toString);
    String json = c.rendered().text();
    for (String n : List.of("\"stime\"", "\"umount\"", "\"vm86old\"", "\"vm86\"")) {
      assertTrue(json.contains(n), n + " is in the node file:\n" + json);
    }
  }

  @Test
  void theNodeFileIsDeterministic() {
    CompiledProfile a = ProfileCompiler.compile(REF, highRisk(), ProfileLookup.none());
    CompiledProfile b = ProfileCompiler.compile(REF, highRisk(), ProfileLookup.none());
    assertArrayEquals(a.rendered().json(), b.rendered().json());
    assertEquals(a.rendered().contentHash(), b.rendered().contentHash());
  }

  @Test
  void aTypoStillFailsTheProfile() {
    CompiledProfile c =
        ProfileCompiler.compile(
            REF,
            spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "vm86", "chmodd")),
            ProfileLookup.none());
    assertEquals(
        "spec.syscalls[0].names[1]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64 (did you mean"
            + " \"chmod\"?)",
        c.errors().get(0).toString());
    assertEquals(1, c.errors().size());
  }
}
