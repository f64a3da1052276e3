package dev.leastprivilege.core.admission;

import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeCapabilities;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The capabilities a container ends up with under the policies that select it.
 *
 * <p>Enforce policies combine to the most restrictive result: drop is the union of their drop lists
 * (and the container's own), what a container may ask for is the intersection of their add+allowed
 * sets, and add is the intersection of their add lists plus what the container asked for within
 * that. Audit policies change nothing; they check the result and warn.
 */
final class CapabilityPlan {
  private CapabilityPlan() {}

  /**
   * The container's new {drop, add}, or empty when no Enforce policy selects it or the pod is
   * refused.
   */
  static Optional<CapabilityChange> plan(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      List<PolicyCandidate> policies,
      Findings findings) {
    List<PolicyCandidate> selecting =
        policies.stream().filter(p -> p.selects(pod, c.name())).toList();
    if (selecting.isEmpty()) {
      return Optional.empty();
    }
    List<String> asked = c.capabilities("add");
    List<FieldError> unknown = new ArrayList<>();
    CapabilityChange.Parsed requested =
        CapabilityChange.parseList(asked, "securityContext.capabilities.add", unknown);
    CapabilityChange.Parsed ownDrop =
        CapabilityChange.parseList(
            c.capabilities("drop"), "securityContext.capabilities.drop", unknown);
    List<PolicyCandidate> enforcing = selecting.stream().filter(PolicyCandidate::enforces).toList();
    // A name nobody knows cannot be checked: refused where a policy is enforced, pointed out where
    // one audits.
    unknown.forEach(
        e -> {
          if (enforcing.isEmpty()) {
            findings.warn(
                "container " + c.name() + ": " + e + "; an Enforce policy would refuse the pod");
          } else {
            findings.refuse("container " + c.name() + ": " + e);
          }
        });
    Optional<CapabilityChange> result = Optional.empty();
    if (!enforcing.isEmpty() && unknown.isEmpty()) {
      boolean ok = true;
      for (PolicyCandidate p : enforcing) {
        if (requested.all() && !p.permitted().equals(CapabilitySet.ALL)) {
          ok = false;
          findings.refuse(
              "container "
                  + c.name()
                  + " asks for ALL capabilities, which CapabilityPolicy "
                  + p.name()
                  + " does not allow");
          continue;
        }
        for (var cap : requested.set().minus(p.permitted()).capabilities()) {
          ok = false;
          findings.refuse(
              "container "
                  + c.name()
                  + " asks for capability "
                  + cap.name()
                  + ", which CapabilityPolicy "
                  + p.name()
                  + " does not allow (add: "
                  + p.spec().getAdd()
                  + ", allowed: "
                  + p.spec().getAllowed()
                  + ")"
                  + (p.valid()
                      ? ""
                      : "; the policy is invalid, so its add and allowed lists grant only the names it"
                          + " knows: fix the policy"));
        }
      }
      if (ok) {
        result = Optional.of(combine(enforcing, requested.expanded(), ownDrop));
      }
    }
    List<String> drop =
        result.map(r -> names(r.dropAll(), r.drop())).orElse(c.capabilities("drop"));
    List<String> add = result.map(r -> names(false, r.add())).orElse(c.capabilities("add"));
    for (PolicyCandidate p : selecting) {
      if (!p.enforces()) {
        List<String> wrong = PodCompliance.of(pod, c, p, drop, add);
        if (!wrong.isEmpty()) {
          findings.warn(
              "container "
                  + c.name()
                  + " violates "
                  + p.title()
                  + " (Audit, admitted unchanged): "
                  + String.join(", ", wrong));
        }
      }
    }
    return result;
  }

  private static CapabilityChange combine(
      List<PolicyCandidate> enforcing, CapabilitySet requested, CapabilityChange.Parsed ownDrop) {
    CapabilitySet permitted = CapabilitySet.ALL;
    CapabilitySet add = CapabilitySet.ALL;
    boolean dropAll = ownDrop.all();
    CapabilitySet drop = ownDrop.set();
    for (PolicyCandidate p : enforcing) {
      permitted = permitted.intersect(p.permitted());
      add = add.intersect(p.add());
      dropAll |= p.drop().all();
      drop = drop.union(p.drop().set());
    }
    CapabilitySet finalAdd = add.union(requested.intersect(permitted));
    return new CapabilityChange(dropAll, dropAll ? CapabilitySet.EMPTY : drop, false, finalAdd);
  }

  /**
   * A Kubernetes drop/add list in the spelling every runtime reads as meant: ALL, or names without
   * CAP_.
   */
  static List<String> names(boolean all, CapabilitySet set) {
    return RuntimeCapabilities.canonical(all, set);
  }
}
