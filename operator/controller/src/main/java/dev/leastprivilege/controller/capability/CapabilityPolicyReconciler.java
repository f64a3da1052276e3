package dev.leastprivilege.controller.capability;

import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicyStatus;
import dev.leastprivilege.api.v1alpha1.CapabilityViolation;
import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.controller.recording.AuditFindingIndex;
import dev.leastprivilege.controller.recording.AuditFindingSource;
import dev.leastprivilege.controller.scope.NamespaceScope;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.ReconcileErrors;
import dev.leastprivilege.controller.support.StatusDiff;
import dev.leastprivilege.controller.workloads.RunningPodReview;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.record.AuditFold;
import dev.leastprivilege.core.status.Conditions;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CapabilityPolicy → status, as a short pipeline:
 *
 * <ol>
 *   <li>validate with core; in Audit mode, fold the recorders' findings ({@link AuditFold});
 *   <li>review the running pods it selects ({@link RunningPodReview}, shared with SeccompProfile):
 *       how many, which do not comply (started before the policy, admitted in Audit mode, or while
 *       the webhook was down), their owners named in an Event and restarted when the policy asks;
 *   <li>the Ready condition;
 *   <li>Ready only once the namespace carries the label that sends its pods to the webhook ({@link
 *       NamespaceScope}, shared with SeccompProfile): no status at all while the label is on its
 *       way, and why not ready when labelling failed;
 *   <li>patch the status only when it changed; review again every {@link
 *       RunningPodReview#recount()}.
 * </ol>
 *
 * This reconciler is the only writer of CapabilityPolicy status.
 */
@ControllerConfiguration(
    name = CapabilityPolicyReconciler.NAME,
    informer =
        @Informer(
            informerListLimit = OperatorSettings.LIST_PAGE,
            itemStore = WithoutManagedFields.class))
public final class CapabilityPolicyReconciler implements Reconciler<CapabilityPolicy> {
  public static final String NAME = "capabilitypolicy";

  /** How many violations the status lists; the counts cover the rest. */
  static final int MAX_VIOLATIONS = 10;

  /**
   * What the webhook does with an invalid policy (PolicyCandidate), so that nobody believes it
   * enforces nothing.
   */
  static final String INVALID_STILL_ENFORCES =
      ". Until it is fixed, pods it selects keep being patched with its drop"
          + " list (ALL if a name in drop is unknown), and unknown names in add or allowed grant nothing";

  private static final Logger LOG = LoggerFactory.getLogger(CapabilityPolicyReconciler.class);

  private final RunningPodReview runningPods;
  private final NamespaceScope scope;
  private final EventRecorder events;
  private final AuditFindingIndex auditFindings =
      new AuditFindingIndex(AuditFold.CAPABILITY_POLICY);

  public CapabilityPolicyReconciler(
      RunningPodReview runningPods, NamespaceScope scope, EventRecorder events) {
    this.runningPods = runningPods;
    this.scope = scope;
    this.events = events;
  }

  @Override
  public List<EventSource<?, CapabilityPolicy>> prepareEventSources(
      EventSourceContext<CapabilityPolicy> ctx) {
    return List.of(AuditFindingSource.create(ctx, CapabilityPolicy.class, auditFindings));
  }

  @Override
  public UpdateControl<CapabilityPolicy> reconcile(
      CapabilityPolicy policy, Context<CapabilityPolicy> ctx) {
    CapabilityPolicyValidator.Result validation =
        CapabilityPolicyValidator.validate(
            policy.getMetadata().getNamespace(), policy.getMetadata().getName(), policy.getSpec());
    CapabilityPolicyStatus next = new CapabilityPolicyStatus();
    next.setObservedGeneration(generation(policy));
    next.setWarnings(validation.warnings());
    next.setAuditFindings(foldAuditFindings(policy));
    // An invalid policy is still enforced as far as it can be (PolicyCandidate), so its pods are
    // reviewed too.
    if (policy.getSpec() != null) {
      reviewRunningPods(policy, next);
    }
    next.setConditions(List.of(ready(policy, validation, next)));
    if (!scopeNamespace(policy, next)) {
      return UpdateControl.<CapabilityPolicy>noUpdate().rescheduleAfter(NamespaceScope.RECHECK);
    }
    warnWhenItBecomesInvalid(policy, validation);
    return patchIfChanged(policy, next).rescheduleAfter(runningPods.recount());
  }

  /**
   * Step 4: Ready only once the namespace carries the label the webhook configuration selects.
   * False while the label is on its way: no status is written yet, so nothing that waits for this
   * status (its observedGeneration, or Ready) sees it before the API server sends the namespace's
   * pods to the webhook. When labelling failed, the status says so instead of Ready.
   */
  private boolean scopeNamespace(CapabilityPolicy policy, CapabilityPolicyStatus next) {
    NamespaceScope.Gate gate = scope.gate(policy.getMetadata().getNamespace());
    if (gate instanceof NamespaceScope.Gate.Wait) {
      return false;
    }
    if (gate instanceof NamespaceScope.Gate.Withhold why
        && "True".equals(next.getConditions().get(0).getStatus())) {
      next.setConditions(
          List.of(
              scope.withheldReady(
                  policy,
                  why,
                  generation(policy),
                  policy.getStatus() == null ? null : policy.getStatus().getConditions(),
                  Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())));
    }
    return true;
  }

  /** An Event when the spec turns invalid (not on every reconcile while it stays so). */
  private void warnWhenItBecomesInvalid(
      CapabilityPolicy policy, CapabilityPolicyValidator.Result validation) {
    if (!validation.ok()
        && !previousReason(policy).equals(Optional.of(ConditionReason.InvalidSpec))) {
      events.warning(
          policy,
          ConditionReason.InvalidSpec.name(),
          validation.errors().get(0).brief()
              + (validation.errors().size() > 1
                  ? " (and " + (validation.errors().size() - 1) + " more errors)"
                  : "")
              + INVALID_STILL_ENFORCES
              + ". Fix the spec; lpo lint shows every error.");
    }
  }

  private static Optional<ConditionReason> previousReason(CapabilityPolicy policy) {
    return ConditionReason.ofReady(
        policy.getStatus() == null ? null : policy.getStatus().getConditions());
  }

  /**
   * An exception out of {@link #reconcile}: a request the API server refused as invalid ends in
   * Ready False and an Event, not retried; an unexpected error is written the same way and retried
   * a few times; an API server that could not be reached is only retried.
   */
  @Override
  public ErrorStatusUpdateControl<CapabilityPolicy> updateErrorStatus(
      CapabilityPolicy policy, Context<CapabilityPolicy> ctx, Exception e) {
    ReconcileErrors.Kind kind = ReconcileErrors.classify(e);
    if (kind == ReconcileErrors.Kind.TRANSIENT) {
      LOG.warn(
          "{}/{}: retrying: {}",
          policy.getMetadata().getNamespace(),
          policy.getMetadata().getName(),
          ReconcileErrors.describe(e));
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    boolean rejected = kind == ReconcileErrors.Kind.REJECTED;
    ConditionReason reason = rejected ? ConditionReason.Rejected : ConditionReason.ReconcileError;
    String message =
        (rejected
                ? "the API server refused what the operator made of this spec: "
                : "the operator failed on this policy: ")
            + ReconcileErrors.describe(e)
            + (rejected
                ? ". Fix the spec"
                : ". It tries again a few times; if this stays, report it with the operator's log");
    LOG.warn(
        "{}/{}: {}",
        policy.getMetadata().getNamespace(),
        policy.getMetadata().getName(),
        message,
        e);
    if (!previousReason(policy).equals(Optional.of(reason))) {
      events.warning(policy, reason.name(), message);
    }
    CapabilityPolicyStatus next = new CapabilityPolicyStatus();
    CapabilityPolicyStatus before = policy.getStatus();
    if (before != null) {
      next.setMatchedPods(before.getMatchedPods());
      next.setNonCompliantPods(before.getNonCompliantPods());
      next.setRecentViolations(before.getRecentViolations());
      next.setWarnings(before.getWarnings());
      next.setAuditFindings(before.getAuditFindings());
    }
    next.setObservedGeneration(generation(policy));
    next.setConditions(
        List.of(
            Conditions.ready(
                false,
                reason,
                message,
                generation(policy),
                before == null ? null : before.getConditions(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())));
    policy.setStatus(next);
    ErrorStatusUpdateControl<CapabilityPolicy> control =
        ErrorStatusUpdateControl.patchStatus(policy);
    return rejected ? control.withNoRetry() : control;
  }

  /**
   * Step 1b: in Audit mode, the capabilities the recorders saw selected containers use beyond what
   * the policy keeps, folded over the nodes by core's {@link AuditFold}; none in Enforce mode.
   */
  private List<AuditFinding> foldAuditFindings(CapabilityPolicy policy) {
    boolean audit = policy.getSpec() != null && policy.getSpec().getMode() == Mode.Audit;
    return audit
        ? AuditFold.fold(auditFindings.findingsFor(ResourceID.fromResource(policy)))
        : List.of();
  }

  /** Step 2: the counts, and the first few violations with the pod, container and finding. */
  private void reviewRunningPods(CapabilityPolicy policy, CapabilityPolicyStatus next) {
    RunningPodReview.Result review =
        runningPods.ofPolicy(policy, scope.open(policy.getMetadata().getNamespace()));
    next.setMatchedPods(review.selected());
    next.setNonCompliantPods(review.nonCompliant().size());
    review
        .restartBlocked()
        .ifPresent(
            w -> {
              List<String> warnings = new ArrayList<>(next.getWarnings());
              warnings.add(w);
              next.setWarnings(warnings);
            });
    next.setRecentViolations(
        review.nonCompliant().stream()
            .flatMap(
                f ->
                    f.violations().stream()
                        .map(
                            v ->
                                new CapabilityViolation(
                                    f.pod().getMetadata().getName(),
                                    v.container(),
                                    v.finding(),
                                    f.pod().getMetadata().getCreationTimestamp())))
            .limit(MAX_VIOLATIONS)
            .toList());
  }

  /** Step 3: Ready, or why not; an invalid policy's message says what it still enforces. */
  private static Condition ready(
      CapabilityPolicy policy,
      CapabilityPolicyValidator.Result validation,
      CapabilityPolicyStatus next) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Condition> previous =
        policy.getStatus() == null ? null : policy.getStatus().getConditions();
    if (!validation.ok()) {
      return Conditions.ready(
          false,
          ConditionReason.InvalidSpec,
          FieldError.summary(validation.errors()) + INVALID_STILL_ENFORCES,
          generation(policy),
          previous,
          now);
    }
    return Conditions.ready(
        true,
        ConditionReason.Valid,
        next.getMatchedPods() + " pods selected, " + next.getNonCompliantPods() + " not compliant",
        generation(policy),
        previous,
        now);
  }

  /** Step 5. */
  private static UpdateControl<CapabilityPolicy> patchIfChanged(
      CapabilityPolicy policy, CapabilityPolicyStatus next) {
    if (StatusDiff.same(policy.getStatus(), next)) {
      return UpdateControl.noUpdate();
    }
    policy.setStatus(next);
    return UpdateControl.patchStatus(policy);
  }

  private static long generation(CapabilityPolicy policy) {
    return policy.getMetadata().getGeneration() == null ? 0 : policy.getMetadata().getGeneration();
  }
}
