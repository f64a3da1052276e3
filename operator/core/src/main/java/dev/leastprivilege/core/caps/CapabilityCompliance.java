package dev.leastprivilege.core.caps;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a container's {@code capabilities: {drop, add}} satisfy a policy: it drops at least what
 * the policy drops, and adds nothing outside the policy's add and allowed lists. The container's
 * lists are read as the runtime reads them ({@link RuntimeCapabilities}), so a spelling the runtime
 * ignores counts for nothing.
 */
public final class CapabilityCompliance {
  private CapabilityCompliance() {}

  /**
   * What is wrong with a container's capabilities under a policy; empty when it complies.
   *
   * @param policyDrop what the policy drops
   * @param permitted what the policy lets a container hold beyond the runtime's defaults (its add
   *     and allowed)
   */
  public static List<String> violations(
      CapabilityChange.Parsed policyDrop,
      CapabilitySet permitted,
      List<String> drop,
      List<String> add) {
    List<String> out = new ArrayList<>();
    CapabilityChange.Parsed containerDrop = RuntimeCapabilities.read(drop);
    if (policyDrop.all() && !containerDrop.all()) {
      out.add("does not drop ALL" + spelling(drop));
    } else if (!policyDrop.all()) {
      CapabilitySet missing = policyDrop.set().minus(containerDrop.expanded());
      missing.capabilities().forEach(c -> out.add("does not drop " + c.name() + spelling(drop)));
    }
    CapabilityChange.Parsed containerAdd = RuntimeCapabilities.read(add);
    if (containerAdd.all() && !permitted.equals(CapabilitySet.ALL)) {
      out.add("adds ALL");
    } else {
      containerAdd.set().minus(permitted).capabilities().forEach(c -> out.add("adds " + c.name()));
    }
    return out;
  }

  private static String spelling(List<String> drop) {
    return RuntimeCapabilities.canonical(drop)
        ? ""
        : " (drop "
            + drop.stream().map(e -> "\"" + e + "\"").toList()
            + " is not read as written by the container"
            + " runtime; write ALL or names such as CHOWN)";
  }
}
