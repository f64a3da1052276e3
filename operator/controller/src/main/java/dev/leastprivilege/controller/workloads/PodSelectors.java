package dev.leastprivilege.controller.workloads;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.profile.SelectorChecks;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;

/**
 * Our PodSelector as the API server's LabelSelector, so the server filters pods, not the operator.
 */
public final class PodSelectors {
  private PodSelectors() {}

  /**
   * An absent selector selects every pod of the namespace, like an empty one. So does an invalid
   * one, which the API server would refuse in a list: the webhook reads it so too (core's
   * LabelSelection), and its object's status says InvalidSpec.
   */
  public static LabelSelector toLabelSelector(PodSelector s) {
    LabelSelectorBuilder b = new LabelSelectorBuilder();
    if (s == null || !SelectorChecks.isValid(s)) {
      return b.build();
    }
    b.withMatchLabels(s.getMatchLabels());
    s.getMatchExpressions()
        .forEach(
            r ->
                b.addToMatchExpressions(
                    new LabelSelectorRequirementBuilder()
                        .withKey(r.getKey())
                        .withOperator(r.getOperator())
                        .withValues(r.getValues())
                        .build()));
    return b.build();
  }
}
