package dev.leastprivilege.controller.capability;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicyStatus;
import dev.leastprivilege.api.v1alpha1.CapabilityViolation;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.controller.workloads.NonCompliantPods;
import dev.leastprivilege.controller.support.StatusDiff;
import dev.leastprivilege.core.FieldError;
import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.PodCompliance;
import dev.leastprivilege.core.admission.PolicyCandidate;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.status.Conditions;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Validates a CapabilityPolicy with core and counts the running pods it selects and those that do not comply
 * (started before the policy, admitted in Audit mode, or while the webhook was down), naming their owners in an
 * Event and restarting them when the policy asks. Pods are listed by the API server with the policy's own
 * selector, on each reconcile and every minute, rather than cached: a policy selects a few pods, the cluster may
 * have hundreds of thousands.
 */
@ControllerConfiguration(name = CapabilityPolicyReconciler.NAME)
public final class CapabilityPolicyReconciler implements Reconciler<CapabilityPolicy> {
  public static final String NAME = "capabilitypolicy";
  static final int MAX_VIOLATIONS = 10;
  /** What the webhook does with an invalid policy (PolicyCandidate), so that nobody believes it enforces nothing. */
  static final String INVALID_STILL_ENFORCES = ". Until it is fixed, pods it selects keep being patched with its drop"
      + " list (ALL if a name in drop is unknown), and unknown names in add or allowed grant nothing";
  private final KubernetesSerialization json = new KubernetesSerialization();
  private final NonCompliantPods nonCompliantPods;

  public CapabilityPolicyReconciler(NonCompliantPods nonCompliantPods) {
    this.nonCompliantPods = nonCompliantPods;
  }

  @Override
  public UpdateControl<CapabilityPolicy> reconcile(CapabilityPolicy policy, Context<CapabilityPolicy> ctx) {
    String ns = policy.getMetadata().getNamespace();
    CapabilityPolicyValidator.Result validation = CapabilityPolicyValidator.validate(ns,
        policy.getMetadata().getName(), policy.getSpec());
    CapabilityPolicyStatus next = new CapabilityPolicyStatus();
    long generation = policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
    next.setObservedGeneration(generation);
    next.setWarnings(validation.warnings());
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<dev.leastprivilege.api.v1alpha1.Condition> previous = policy.getStatus() == null ? null
        : policy.getStatus().getConditions();
    // An invalid policy is still enforced as far as it can be (PolicyCandidate), so its pods are reviewed too.
    CapabilityPolicySpec spec = policy.getSpec();
    if (spec != null) {
      NonCompliantPods.Review review = nonCompliantPods.review(policy, nonCompliantPods.selected(ns,
          spec.getPodSelector()), p -> violations(policy, p).isEmpty(), policy.getStatus() == null ? null
          : policy.getStatus().getNonCompliantPods(), Boolean.TRUE.equals(spec.getRestartNonCompliant()),
          "CapabilityPolicy " + policy.getMetadata().getName() + "@" + generation);
      next.setMatchedPods(review.selected().size());
      next.setNonCompliantPods(review.nonCompliant().size());
      next.setRecentViolations(recentViolations(policy, review.nonCompliant()));
    }
    if (!validation.ok()) {
      next.setConditions(List.of(Conditions.ready(false, ConditionReason.InvalidSpec, validation.errors().stream()
          .map(FieldError::toString).collect(Collectors.joining("; ")) + INVALID_STILL_ENFORCES, generation,
          previous, now)));
    } else {
      next.setConditions(List.of(Conditions.ready(true, ConditionReason.Valid, next.getMatchedPods() + " pods selected, "
          + next.getNonCompliantPods() + " not compliant", generation, previous, now)));
    }
    if (StatusDiff.same(policy.getStatus(), next)) {
      return UpdateControl.<CapabilityPolicy>noUpdate().rescheduleAfter(nonCompliantPods.recount());
    }
    policy.setStatus(next);
    return UpdateControl.patchStatus(policy).rescheduleAfter(nonCompliantPods.recount());
  }

  private List<PodCompliance.Violation> violations(CapabilityPolicy policy, Pod pod) {
    String ns = policy.getMetadata().getNamespace();
    return PodCompliance.ofPolicy(AdmittedPod.of(json.convertValue(pod, JsonNode.class), ns),
        PolicyCandidate.of(policy.getMetadata().getName(), policy.getSpec()));
  }

  /** What the non-compliant pods do wrong, for status: the first few, with the pod, container and finding. */
  private List<CapabilityViolation> recentViolations(CapabilityPolicy policy, List<Pod> pods) {
    return pods.stream().flatMap(p -> violations(policy, p).stream().map(v -> new CapabilityViolation(
        p.getMetadata().getName(), v.container(), v.finding(), p.getMetadata().getCreationTimestamp())))
        .limit(MAX_VIOLATIONS).toList();
  }
}
