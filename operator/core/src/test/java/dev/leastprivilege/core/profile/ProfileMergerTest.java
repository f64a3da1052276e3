package dev.leastprivilege.core.profile;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_LOG;
import static dev.leastprivilege.core.Specs.errno;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileMergerTest {
  @Test
  void childDecidesItsSyscallsAndKeepsTheRestOfTheBase() {
    SeccompProfileSpec base = spec(SCMP_ACT_LOG, rule(SCMP_ACT_ALLOW, "read", "chmod", "write"));
    base.setArchitectures(new ArrayList<>(List.of(Architecture.SCMP_ARCH_AARCH64)));
    SeccompProfileSpec child = spec(SCMP_ACT_ERRNO, errno(1, "chmod"));
    child.setArchitectures(new ArrayList<>());

    SeccompProfileSpec merged = ProfileMerger.merge(List.of(base, child));

    assertEquals(SCMP_ACT_ERRNO, merged.getDefaultAction());
    assertEquals(
        List.of(Architecture.SCMP_ARCH_AARCH64), merged.getArchitectures(), "inherited when unset");
    assertEquals(2, merged.getSyscalls().size());
    assertEquals(List.of("read", "write"), merged.getSyscalls().get(0).getNames());
    assertEquals(List.of("chmod"), merged.getSyscalls().get(1).getNames());
    assertEquals(
        List.of("read", "chmod", "write"), base.getSyscalls().get(0).getNames(), "base untouched");
  }
}
