package dev.leastprivilege.core.lint;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.core.Specs.errno;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static dev.leastprivilege.core.Specs.withArg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ArgOperator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileLinterTest {
  @Test
  void tightAllowListIsClean() {
    assertEquals(
        List.of(), ProfileLinter.lint(spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read", "write"))));
  }

  @Test
  void riskySyscallsAllowedWithoutRestrictionSayWhy() {
    List<String> w =
        ProfileLinter.lint(spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read", "keyctl", "bpf")));
    assertEquals(2, w.size(), w.toString());
    assertTrue(
        w.get(0)
            .startsWith(
                "allows \"keyctl\" without restriction: the kernel keyring is not namespaced"));
    assertTrue(
        w.get(1)
            .startsWith("allows \"bpf\" without restriction: it loads programs into the kernel"));
  }

  @Test
  void defaultAllowThatBlocksAlmostNothing() {
    List<String> w = ProfileLinter.lint(spec(SCMP_ACT_ALLOW, errno(1, "chmod")));
    assertTrue(
        w.get(0)
            .startsWith(
                "spec.defaultAction: SCMP_ACT_ALLOW with only 1 refused syscalls blocks almost"
                    + " nothing"),
        w.toString());
    assertTrue(w.get(1).contains("leaves keyctl, add_key"), w.toString());
  }

  @Test
  void writeRestrictionThatWouldBreakRuncIsExplained() {
    List<String> bad =
        ProfileLinter.lint(
            spec(SCMP_ACT_ALLOW, withArg(errno(9, "write"), 0, 1, ArgOperator.SCMP_CMP_NE)));
    assertTrue(
        bad.stream()
            .anyMatch(
                x ->
                    x.startsWith(
                        "spec.syscalls[0]: refuses write on descriptors above 2,"
                            + " but runc writes to its exec fifo")),
        bad.toString());
    List<String> good =
        ProfileLinter.lint(
            spec(SCMP_ACT_ALLOW, withArg(errno(9, "write"), 0, 2, ArgOperator.SCMP_CMP_EQ)));
    assertTrue(good.stream().noneMatch(x -> x.contains("exec fifo")), good.toString());
  }

  @Test
  void noOpRulesAndIgnoredErrno() {
    var r = rule(SCMP_ACT_ALLOW, "read");
    r.setErrnoRet(1L);
    List<String> w = ProfileLinter.lint(spec(SCMP_ACT_ERRNO, r, rule(SCMP_ACT_ERRNO, "chmod")));
    assertTrue(
        w.contains(
            "spec.syscalls[0].errnoRet: ignored, because only SCMP_ACT_ERRNO and SCMP_ACT_TRACE use it"),
        w.toString());
    assertTrue(
        w.contains(
            "spec.syscalls[1]: has no effect, because SCMP_ACT_ERRNO is already the default action"),
        w.toString());
  }
}
