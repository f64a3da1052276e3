package dev.leastprivilege.core.profile;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_LOG;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
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
  void compilesWithOneCombinedWarningAfterTheLintersAndKeepsTheNamesInTheNodeFile() {
    CompiledProfile c = ProfileCompiler.compile(REF, highRisk(), ProfileLookup.none());
    assertTrue(c.ok(), c.errors()::toString);
    List<String> foreign =
        c.warnings().stream().filter(w -> w.contains("is a system call on")).toList();
    assertEquals(1, foreign.size(), c.warnings()::toString);
    assertTrue(
        foreign.get(0).startsWith("spec.syscalls: 4 names are not a system call on"),
        foreign::toString);
    for (String n : List.of("stime", "umount", "vm86old", "vm86")) {
      assertTrue(foreign.get(0).contains("\"" + n + "\" (spec.syscalls[1]"), n);
    }
    assertTrue(c.warnings().size() > 1, "the linter speaks of the default-allow profile too");
    assertEquals(foreign.get(0), c.warnings().get(c.warnings().size() - 1), "lint comes first");
    String json = c.rendered().text();
    for (String n : List.of("\"stime\"", "\"umount\"", "\"vm86old\"", "\"vm86\"")) {
      assertTrue(json.contains(n), n + " is in the node file:\n" + json);
    }
  }

  @Test
  void aChildWithoutArchitecturesIsWarnedWithItsBasesArchitectures() {
    SeccompProfileSpec base = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read"));
    SeccompProfileSpec child = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "vm86"));
    child.setArchitectures(new java.util.ArrayList<>());
    child.setBaseProfileName("base");
    CompiledProfile c =
        ProfileCompiler.compile(REF, child, ProfileLookup.of(java.util.Map.of("shop/base", base)));
    assertTrue(c.ok(), c.errors()::toString);
    assertTrue(
        c.warnings().stream()
            .anyMatch(
                w ->
                    w.startsWith(
                        "spec.syscalls: 1 name is not a system call on SCMP_ARCH_X86_64:"
                            + " \"vm86\" (spec.syscalls[0].names[0])")),
        c.warnings()::toString);
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
