package dev.leastprivilege.core.profile;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BaseProfileResolverTest {
  private final Map<String, SeccompProfileSpec> profiles = new HashMap<>();

  private SeccompProfileSpec put(String name, String base) {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read"));
    s.setBaseProfileName(base);
    profiles.put("shop/" + name, s);
    return s;
  }

  private String error(String name) {
    BaseProfileResolver.Chain c =
        BaseProfileResolver.resolve(
            "shop", name, profiles.get("shop/" + name), ProfileLookup.of(profiles));
    assertEquals(1, c.errors().size(), c.errors().toString());
    return c.errors().get(0).toString();
  }

  @Test
  void cycleIsNamedInOrder() {
    put("loop-a", "loop-b");
    put("loop-b", "loop-a");
    assertEquals(
        "spec.baseProfileName: cycle shop/loop-a -> shop/loop-b -> shop/loop-a", error("loop-a"));
  }

  @Test
  void missingBaseSaysWhereItLooked() {
    put("app", "nowhere");
    assertTrue(
        error("app").startsWith("spec.baseProfileName: base profile shop/nowhere not found"));
  }

  @Test
  void invalidBaseIsReportedOnTheChild() {
    put("app", "broken");
    put("broken", null).getSyscalls().add(rule(SCMP_ACT_ALLOW, "chmodd"));
    assertTrue(
        error("app")
            .startsWith(
                "spec.baseProfileName: base profile shop/broken is invalid:"
                    + " spec.syscalls[1].names[0]: unknown syscall \"chmodd\""),
        error("app"));
  }

  @Test
  void depthIsLimited() {
    for (int i = 0; i < 10; i++) {
      put("p" + i, "p" + (i + 1));
    }
    put("p10", null);
    assertTrue(
        error("p0").startsWith("spec.baseProfileName: base profiles nest deeper than 8"),
        error("p0"));
  }

  @Test
  void unknownBuiltinListsTheBuiltins() {
    put("app", "builtin:nope");
    assertEquals(
        "spec.baseProfileName: unknown built-in profile \"builtin:nope\"; built-ins are"
            + " builtin:runtime-baseline",
        error("app"));
  }

  @Test
  void chainEndsInTheBuiltinAndStartsWithTheProfile() {
    put("team", "builtin:runtime-baseline");
    SeccompProfileSpec app = put("app", "team");
    BaseProfileResolver.Chain c =
        BaseProfileResolver.resolve("shop", "app", app, ProfileLookup.of(profiles));
    assertEquals(List.of(), c.errors());
    assertEquals(3, c.specs().size());
    assertEquals(app, c.specs().get(2));
    assertTrue(c.specs().get(0).getSyscalls().get(0).getNames().contains("execve"));
  }
}
