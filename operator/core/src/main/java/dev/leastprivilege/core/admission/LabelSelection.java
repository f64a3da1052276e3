package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import java.util.List;
import java.util.Map;

/** Kubernetes' label selector semantics, evaluated here so that the webhook answers from memory. */
public final class LabelSelection {
  private LabelSelection() {}

  /**
   * Every requirement holds. An empty selector selects everything; callers decide what an absent
   * one means.
   */
  public static boolean matches(PodSelector selector, Map<String, String> labels) {
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
      // The CRD schema and validation refuse other operators; an unknown one selects nothing rather
      // than all.
      default -> false;
    };
  }
}
