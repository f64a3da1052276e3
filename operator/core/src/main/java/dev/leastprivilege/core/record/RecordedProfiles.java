package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.caps.CapabilityChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one definition of what a recording produces, shared by {@code lpo record} and the operator:
 * an allow-list SeccompProfile (the base's unconditional allows, the recorded calls, and the calls
 * every recording can miss) and a CapabilityPolicy that drops everything but what was used.
 */
public final class RecordedProfiles {
  private RecordedProfiles() {}

  /**
   * The calls a base allows whatever their arguments: those are allowed while recording, so they
   * are never recorded, and the produced profile must keep them.
   */
  public static Set<String> allowedBy(SeccompProfileSpec effectiveBase) {
    Set<String> allowed = new TreeSet<>();
    for (SyscallRule r : effectiveBase.getSyscalls()) {
      if (r.getAction() == SeccompAction.SCMP_ACT_ALLOW && r.getArgs().isEmpty()) {
        allowed.addAll(r.getNames());
      }
    }
    return allowed;
  }

  /** The recorded calls and the ones every recording can miss ({@link RecordingGaps}). */
  public static Set<String> withGaps(Collection<String> recorded) {
    Set<String> all = new TreeSet<>(recorded);
    all.addAll(RecordingGaps.ALWAYS_ALLOWED);
    return all;
  }

  /**
   * An allow-list profile: one ALLOW rule with the base's calls and the recorded ones (with {@link
   * #withGaps}), everything else gets {@code defaultAction}.
   */
  public static SeccompProfileSpec seccomp(
      Set<String> baseAllowed,
      Collection<String> recorded,
      List<Architecture> architectures,
      SeccompAction defaultAction) {
    Set<String> allowed = new TreeSet<>(baseAllowed);
    allowed.addAll(withGaps(recorded));
    SeccompProfileSpec spec = new SeccompProfileSpec();
    spec.setDefaultAction(defaultAction);
    spec.setArchitectures(new ArrayList<>(architectures));
    spec.getSyscalls().add(new SyscallRule(new ArrayList<>(allowed), SeccompAction.SCMP_ACT_ALLOW));
    return spec;
  }

  /** {@code drop: [ALL]} and {@code add}: the capabilities used, by name without CAP_, sorted. */
  public static CapabilityPolicySpec capabilities(Collection<Capability> used) {
    CapabilityPolicySpec spec = new CapabilityPolicySpec();
    spec.setDrop(new ArrayList<>(List.of(CapabilityChange.ALL)));
    spec.setAdd(new ArrayList<>(new TreeSet<>(used.stream().map(Capability::name).toList())));
    return spec;
  }
}
