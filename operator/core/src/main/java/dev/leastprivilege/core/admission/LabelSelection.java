package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.core.profile.SelectorChecks;
import java.util.List;
import java.util.Map;

/** Kubernetes' label selector semantics, evaluated here so that the webhook answers from memory. */
public final class LabelSelection {
  private LabelSelection() {}

  /**
   * Every requirement holds. An empty selector selects everything; callers decide what an absent
   * one means.
   *
   * <p>An invalid selector (one the API server would refuse in a list, e.g. {@code In} with no
   * values) selects every pod of the namespace: its object is invalid (InvalidSpec), and failing
   * closed means an Enforce object keeps restricting pods, or refusing them, until it is fixed,
   * rather than silently selecting none. The operator's review of running pods reads it the same
   * way.
   */
  public static boolean matches(PodSelector selector, Map<String, String> labels) {
    if (!SelectorChecks.isValid(selector)) {
      return true;
    }
    for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    for (SelectorRequirement r : selector.getMatchExpressions()) {
      if (!holds(r, labels)) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(SelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      // Unreachable: an invalid selector selects everything, above.
      default -> true;
    };
  }
}
