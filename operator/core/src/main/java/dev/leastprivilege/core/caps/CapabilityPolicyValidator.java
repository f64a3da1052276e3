package dev.leastprivilege.core.caps;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.profile.Names;
import dev.leastprivilege.core.profile.SelectorChecks;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a CapabilityPolicy: known capability names, selector shape, and root-equivalent grants.
 */
public final class CapabilityPolicyValidator {
  private CapabilityPolicyValidator() {}

  /** Errors refuse the policy; warnings are reported on it. */
  public record Result(List<FieldError> errors, List<String> warnings) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  public static Result validate(String namespace, String name, CapabilityPolicySpec spec) {
    List<FieldError> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Names.checkObjectName(name, namespace, errors);
    if (spec == null) {
      errors.add(new FieldError("spec", "required"));
      return new Result(errors, warnings);
    }
    CapabilityChange.parseList(spec.getDrop(), "spec.drop", errors);
    CapabilityChange.Parsed add = CapabilityChange.parseList(spec.getAdd(), "spec.add", errors);
    CapabilityChange.Parsed allowed =
        CapabilityChange.parseList(spec.getAllowed(), "spec.allowed", errors);
    Names.checkContainerNames(spec.getContainerNames(), "spec.containerNames", errors);
    SelectorChecks.check(spec.getPodSelector(), "spec.podSelector", errors);
    warnRootEquivalent(add, "spec.add", warnings);
    warnRootEquivalent(allowed, "spec.allowed", warnings);
    return new Result(errors, warnings);
  }

  private static void warnRootEquivalent(
      CapabilityChange.Parsed parsed, String field, List<String> warnings) {
    if (parsed.all()) {
      warnings.add(
          field + ": ALL grants every capability, which is root on the node in all but name");
      return;
    }
    for (Capability c : parsed.set().capabilities()) {
      RootEquivalence.reason(c)
          .ifPresent(why -> warnings.add(field + ": " + c.name() + " is root-equivalent: " + why));
    }
  }
}
