package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.core.FieldError;
import java.util.List;

/**
 * The rules Kubernetes applies to label selector requirements, for objects the CLI reads without a
 * server.
 */
public final class SelectorChecks {
  private SelectorChecks() {}

  public static void check(
      List<SelectorRequirement> expressions, String field, List<FieldError> errors) {
    for (int i = 0; expressions != null && i < expressions.size(); i++) {
      SelectorRequirement r = expressions.get(i);
      String f = field + "[" + i + "]";
      if (r == null || r.getKey() == null || r.getKey().isEmpty()) {
        errors.add(new FieldError(f + ".key", "required"));
        continue;
      }
      String op = r.getOperator();
      boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
      if (!List.of("In", "NotIn", "Exists", "DoesNotExist").contains(op)) {
        errors.add(
            new FieldError(
                f + ".operator", "\"" + op + "\" is not one of In, NotIn, Exists, DoesNotExist"));
      } else if ((op.equals("In") || op.equals("NotIn")) && !hasValues) {
        errors.add(new FieldError(f + ".values", "required when operator is " + op));
      } else if ((op.equals("Exists") || op.equals("DoesNotExist")) && hasValues) {
        errors.add(new FieldError(f + ".values", "must be empty when operator is " + op));
      }
    }
  }
}
