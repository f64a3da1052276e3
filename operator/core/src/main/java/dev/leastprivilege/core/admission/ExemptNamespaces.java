package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.Map;
import java.util.Set;

/**
 * The namespaces the product never touches: kube-system, the operator's own, and any labelled
 * {@code leastprivilege.dev/ignore=true}. The webhook admits their pods unchanged and the operator
 * restarts nothing in them.
 */
public final class ExemptNamespaces {
  private final Set<String> always;

  /**
   * @param operatorNamespace the operator's own namespace, which like kube-system is never touched
   */
  public ExemptNamespaces(String operatorNamespace) {
    this.always = Set.of("kube-system", operatorNamespace);
  }

  /** kube-system or the operator's own namespace, whatever their labels. */
  public boolean alwaysExempt(String namespace) {
    return always.contains(namespace);
  }

  /**
   * @param labels the namespace's labels; empty when they are not known
   */
  public boolean exempt(String namespace, Map<String, String> labels) {
    return alwaysExempt(namespace) || "true".equals(labels.get(ApiNames.OPT_OUT_LABEL));
  }
}
