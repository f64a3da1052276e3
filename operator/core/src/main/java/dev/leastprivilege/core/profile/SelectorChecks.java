package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules Kubernetes applies to a label selector (apimachinery's LabelSelector validation, and
 * the label key and value rules the API server applies when it parses a selector in a list). Our
 * CRDs cannot say them all on Kubernetes 1.20 (no CEL), so a selector the API server stored can
 * still be one it refuses in a list. Checked here, for the CLI, the operator and the webhook alike:
 * an object with an invalid selector is invalid (InvalidSpec), and, until it is fixed, selects
 * every pod of its namespace ({@link #isValid}; see docs/webhook.md).
 */
public final class SelectorChecks {
  /** The longest label value, and the longest name part of a label key. */
  public static final int MAX_LABEL_NAME_LENGTH = 63;

  /** The longest prefix of a label key (a DNS-1123 subdomain). */
  public static final int MAX_LABEL_PREFIX_LENGTH = 253;

  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern PREFIX =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private static final List<String> OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");

  private SelectorChecks() {}

  /** Every rule for {@code selector}, at {@code field} (e.g. "spec.podSelector"). */
  public static void check(PodSelector selector, String field, List<FieldError> errors) {
    if (selector == null) {
      return;
    }
    Map<String, String> labels = selector.getMatchLabels();
    if (labels != null) {
      labels.forEach(
          (k, v) -> {
            String f = field + ".matchLabels[" + quote(k) + "]";
            checkKey(k, f, errors);
            checkValue(v, f, errors);
          });
    }
    checkExpressions(selector.getMatchExpressions(), field + ".matchExpressions", errors);
  }

  /** Whether the API server would accept {@code selector} in a list: no rule above is broken. */
  public static boolean isValid(PodSelector selector) {
    List<FieldError> errors = new ArrayList<>();
    check(selector, "", errors);
    return errors.isEmpty();
  }

  private static void checkExpressions(
      List<SelectorRequirement> expressions, String field, List<FieldError> errors) {
    for (int i = 0; expressions != null && i < expressions.size(); i++) {
      SelectorRequirement r = expressions.get(i);
      String f = field + "[" + i + "]";
      if (r == null) {
        errors.add(new FieldError(f, "must not be empty"));
        continue;
      }
      if (r.getKey() == null || r.getKey().isEmpty()) {
        errors.add(new FieldError(f + ".key", "required"));
      } else {
        checkKey(r.getKey(), f + ".key", errors);
      }
      String op = r.getOperator();
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      if (!OPERATORS.contains(op)) {
        errors.add(
            new FieldError(
                f + ".operator", "\"" + op + "\" is not one of In, NotIn, Exists, DoesNotExist"));
      } else if ((op.equals("In") || op.equals("NotIn")) && values.isEmpty()) {
        errors.add(new FieldError(f + ".values", "required when operator is " + op));
      } else if ((op.equals("Exists") || op.equals("DoesNotExist")) && !values.isEmpty()) {
        errors.add(new FieldError(f + ".values", "must be empty when operator is " + op));
      }
      for (int j = 0; j < values.size(); j++) {
        checkValue(values.get(j), f + ".values[" + j + "]", errors);
      }
    }
  }

  /** A label key: an optional DNS subdomain prefix and '/', then a name of up to 63 characters. */
  private static void checkKey(String key, String field, List<FieldError> errors) {
    if (key == null || key.isEmpty()) {
      errors.add(new FieldError(field, "the label key must not be empty"));
      return;
    }
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    boolean ok =
        !name.isEmpty()
            && name.length() <= MAX_LABEL_NAME_LENGTH
            && NAME.matcher(name).matches()
            && (prefix == null
                || (!prefix.isEmpty()
                    && prefix.length() <= MAX_LABEL_PREFIX_LENGTH
                    && PREFIX.matcher(prefix).matches()));
    if (!ok) {
      errors.add(
          new FieldError(
              field,
              quote(key)
                  + " is not a valid label key: an optional DNS subdomain prefix and '/', then"
                  + " at most "
                  + MAX_LABEL_NAME_LENGTH
                  + " letters, digits, '-', '_' or '.', starting and ending with a letter or"
                  + " digit"));
    }
  }

  /** A label value: empty, or up to 63 letters, digits, '-', '_' and '.' between alphanumerics. */
  private static void checkValue(String value, String field, List<FieldError> errors) {
    if (value == null) {
      errors.add(new FieldError(field, "the label value must be a string"));
    } else if (!value.isEmpty()
        && (value.length() > MAX_LABEL_NAME_LENGTH || !NAME.matcher(value).matches())) {
      errors.add(
          new FieldError(
              field,
              quote(value)
                  + " is not a valid label value: at most "
                  + MAX_LABEL_NAME_LENGTH
                  + " letters, digits, '-', '_' or '.', starting and ending with a letter or"
                  + " digit"));
    }
  }

  /** A user's string in a message, cut short: a message must never grow with the input. */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "\"" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "\"";
  }
}
