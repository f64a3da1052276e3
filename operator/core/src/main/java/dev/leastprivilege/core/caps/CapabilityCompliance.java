package dev.leastprivilege.core.caps;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a container's {@code capabilities: {drop, add}} satisfy a policy: it drops at least what the policy
 * drops, and adds nothing outside the policy's add and allowed lists.
 */
public final class CapabilityCompliance {
  private CapabilityCompliance() {}

  /** What is wrong with a container's capabilities under a policy; empty when it complies. */
  public static List<String> violations(CapabilityPolicySpec policy, List<String> drop, List<String> add) {
    List<String> out = new ArrayList<>();
    List<dev.leastprivilege.core.FieldError> ignored = new ArrayList<>();
    CapabilityChange.Parsed policyDrop = CapabilityChange.parseList(
        policy.getDrop() == null || policy.getDrop().isEmpty() ? List.of(CapabilityChange.ALL) : policy.getDrop(),
        "drop", ignored);
    CapabilitySet permitted = CapabilityChange.parseList(policy.getAdd(), "add", ignored).expanded()
        .union(CapabilityChange.parseList(policy.getAllowed(), "allowed", ignored).expanded());
    CapabilityChange.Parsed containerDrop = CapabilityChange.parseList(drop, "drop", ignored);
    if (policyDrop.all() && !containerDrop.all()) {
      out.add("does not drop ALL");
    } else if (!policyDrop.all()) {
      CapabilitySet missing = policyDrop.set().minus(containerDrop.expanded());
      missing.capabilities().forEach(c -> out.add("does not drop " + c.name()));
    }
    CapabilityChange.Parsed containerAdd = CapabilityChange.parseList(add, "add", ignored);
    if (containerAdd.all() && !permitted.equals(CapabilitySet.ALL)) {
      out.add("adds ALL");
    } else {
      containerAdd.set().minus(permitted).capabilities().forEach(c -> out.add("adds " + c.name()));
    }
    return out;
  }
}
