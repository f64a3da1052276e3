package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import java.util.ArrayList;
import java.util.List;

/**
 * What the webhook knows about a CapabilityPolicy, with its lists parsed once (the cache builds
 * these when a policy changes, not per admission).
 *
 * <p>An invalid policy still enforces what it can, so a typo never opens a namespace up: its drop
 * list is applied (an unknown name in it drops ALL, since we cannot tell what it meant to keep),
 * and an unknown name in add or allowed grants nothing.
 *
 * @param valid false when the policy's lists have names core does not know; its status then says
 *     InvalidSpec
 */
public record PolicyCandidate(
    String name,
    CapabilityPolicySpec spec,
    CapabilityChange.Parsed drop,
    CapabilitySet add,
    CapabilitySet permitted,
    boolean valid) {

  public static PolicyCandidate of(String name, CapabilityPolicySpec spec) {
    List<FieldError> dropErrors = new ArrayList<>();
    List<FieldError> grantErrors = new ArrayList<>();
    CapabilityChange.Parsed drop =
        CapabilityChange.parseList(
            spec.getDrop().isEmpty() ? List.of(CapabilityChange.ALL) : spec.getDrop(),
            "drop",
            dropErrors);
    if (!dropErrors.isEmpty()) {
      drop = new CapabilityChange.Parsed(true, CapabilitySet.EMPTY);
    }
    CapabilitySet add = CapabilityChange.parseList(spec.getAdd(), "add", grantErrors).expanded();
    CapabilitySet allowed =
        CapabilityChange.parseList(spec.getAllowed(), "allowed", grantErrors).expanded();
    return new PolicyCandidate(
        name, spec, drop, add, add.union(allowed), dropErrors.isEmpty() && grantErrors.isEmpty());
  }

  /** An absent selector selects every pod of the namespace, as the policy's status counts them. */
  boolean selects(AdmittedPod pod, String container) {
    return (spec.getPodSelector() == null
            || LabelSelection.matches(spec.getPodSelector(), pod.labels()))
        && (spec.getContainerNames().isEmpty() || spec.getContainerNames().contains(container));
  }

  boolean enforces() {
    return spec.getMode() != Mode.Audit;
  }

  /**
   * How messages name it: "CapabilityPolicy web-caps", noting when only its valid part is enforced.
   */
  String title() {
    return "CapabilityPolicy "
        + name
        + (valid || !enforces()
            ? ""
            : " (invalid: enforcing only its drop list until it is fixed)");
  }
}
