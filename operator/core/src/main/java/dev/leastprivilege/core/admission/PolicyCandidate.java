package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import java.util.ArrayList;
import java.util.List;

/**
 * What the webhook knows about a valid CapabilityPolicy, with its lists parsed once (the cache builds these when
 * a policy changes, not per admission).
 */
public record PolicyCandidate(String name, CapabilityPolicySpec spec, CapabilityChange.Parsed drop,
    CapabilitySet add, CapabilitySet permitted) {

  public static PolicyCandidate of(String name, CapabilityPolicySpec spec) {
    List<dev.leastprivilege.core.FieldError> ignored = new ArrayList<>();
    CapabilityChange.Parsed drop = CapabilityChange.parseList(spec.getDrop().isEmpty()
        ? List.of(CapabilityChange.ALL) : spec.getDrop(), "drop", ignored);
    CapabilitySet add = CapabilityChange.parseList(spec.getAdd(), "add", ignored).expanded();
    CapabilitySet allowed = CapabilityChange.parseList(spec.getAllowed(), "allowed", ignored).expanded();
    return new PolicyCandidate(name, spec, drop, add, add.union(allowed));
  }

  /** An absent selector selects every pod of the namespace, as the policy's status counts them. */
  boolean selects(AdmittedPod pod, String container) {
    return (spec.getPodSelector() == null || LabelSelection.matches(spec.getPodSelector(), pod.labels()))
        && (spec.getContainerNames().isEmpty() || spec.getContainerNames().contains(container));
  }

  boolean enforces() {
    return spec.getMode() != Mode.Audit;
  }
}
