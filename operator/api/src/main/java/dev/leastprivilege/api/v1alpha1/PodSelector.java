package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Selects pods by label, with the same shape as Kubernetes' LabelSelector. It is our own class so
 * that the core module can match pods without depending on a Kubernetes client model.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PodSelector {
  private Map<String, String> matchLabels = new LinkedHashMap<>();
  private List<SelectorRequirement> matchExpressions = new ArrayList<>();

  public Map<String, String> getMatchLabels() {
    return matchLabels;
  }

  public void setMatchLabels(Map<String, String> matchLabels) {
    this.matchLabels = matchLabels;
  }

  public List<SelectorRequirement> getMatchExpressions() {
    return matchExpressions;
  }

  public void setMatchExpressions(List<SelectorRequirement> matchExpressions) {
    this.matchExpressions = matchExpressions;
  }
}
