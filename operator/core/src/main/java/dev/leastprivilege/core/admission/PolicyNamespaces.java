package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.Map;

/**
 * Which namespaces carry the label {@link ApiNames#HAS_POLICIES_LABEL}{@code =true}, the label the
 * chart's webhook configuration selects: exactly those that hold a SeccompProfile or a
 * CapabilityPolicy (in any mode: Audit needs the webhook too), except the namespaces the webhook
 * never touches. Labelling those would only let an outage of the webhook block their pods (on
 * Kubernetes before 1.21 the configuration cannot exclude them by name). The operator is the
 * label's one writer, so it also removes a label someone else put on a namespace that should not
 * carry it.
 */
public final class PolicyNamespaces {
  public static final String LABEL = ApiNames.HAS_POLICIES_LABEL;
  public static final String VALUE = "true";

  /** What the operator does to one namespace's label. */
  public enum Change {
    ADD,
    REMOVE,
    NONE
  }

  private final ExemptNamespaces exempt;

  /**
   * @param operatorNamespace the operator's own namespace, which like kube-system is never touched
   */
  public PolicyNamespaces(String operatorNamespace) {
    this.exempt = new ExemptNamespaces(operatorNamespace);
  }

  /**
   * kube-system or the operator's own namespace. An opted-out namespace may carry the label: the
   * webhook configuration excludes it by its opt-out label anyway.
   */
  public boolean exempt(String namespace) {
    return exempt.alwaysExempt(namespace);
  }

  /** Whether the namespace must carry the label. */
  public boolean needsLabel(String namespace, boolean holdsPolicies) {
    return holdsPolicies && !exempt(namespace);
  }

  /** Whether these namespace labels carry ours; any other value counts as absent. */
  public static boolean labelled(Map<String, String> labels) {
    return labels != null && VALUE.equals(labels.get(LABEL));
  }

  /**
   * What to do with a namespace's labels given whether it holds a profile or policy. A label with
   * another value (a typo, "false") is replaced, since the webhook configuration selects only
   * "true".
   */
  public Change change(String namespace, Map<String, String> labels, boolean holdsPolicies) {
    boolean wanted = needsLabel(namespace, holdsPolicies);
    if (wanted) {
      return labelled(labels) ? Change.NONE : Change.ADD;
    }
    return labels != null && labels.containsKey(LABEL) ? Change.REMOVE : Change.NONE;
  }
}
