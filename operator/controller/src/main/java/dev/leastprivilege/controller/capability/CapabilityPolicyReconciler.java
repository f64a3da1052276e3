package dev.leastprivilege.controller.capability;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicyStatus;
import dev.leastprivilege.controller.support.StatusDiff;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityCompliance;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.status.Conditions;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Validates a CapabilityPolicy with core and counts the running pods it selects and those that do not comply.
 * Pods are listed by the API server with the policy's own selector, on each reconcile and every minute, rather
 * than cached: a policy selects a few pods, the cluster may have hundreds of thousands.
 */
@ControllerConfiguration(name = CapabilityPolicyReconciler.NAME)
public final class CapabilityPolicyReconciler implements Reconciler<CapabilityPolicy> {
  public static final String NAME = "capabilitypolicy";
  static final Duration RECOUNT = Duration.ofSeconds(60);

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
    if (policy.getStatus() != null) {
      next.setRecentViolations(policy.getStatus().getRecentViolations());
    }
    if (!validation.ok()) {
      next.setConditions(List.of(Conditions.ready(false, "InvalidSpec", validation.errors().stream()
          .map(FieldError::toString).collect(Collectors.joining("; ")), generation, previous, now)));
    } else {
      List<Pod> pods = ctx.getClient().pods().inNamespace(ns)
          .withLabelSelector(PodSelectors.toLabelSelector(policy.getSpec().getPodSelector())).list().getItems()
          .stream().filter(p -> p.getStatus() == null || !List.of("Succeeded", "Failed")
              .contains(p.getStatus().getPhase())).toList();
      long nonCompliant = pods.stream().filter(p -> !compliant(policy.getSpec(), p)).count();
      next.setMatchedPods(pods.size());
      next.setNonCompliantPods((int) nonCompliant);
      next.setConditions(List.of(Conditions.ready(true, "Valid", pods.size() + " pods selected, " + nonCompliant
          + " not compliant", generation, previous, now)));
    }
    if (StatusDiff.same(policy.getStatus(), next)) {
      return UpdateControl.<CapabilityPolicy>noUpdate().rescheduleAfter(RECOUNT);
    }
    policy.setStatus(next);
    return UpdateControl.patchStatus(policy).rescheduleAfter(RECOUNT);
  }

  static boolean compliant(CapabilityPolicySpec policy, Pod pod) {
    List<String> names = policy.getContainerNames();
    return Stream.concat(pod.getSpec().getContainers().stream(), pod.getSpec().getInitContainers().stream())
        .filter(c -> names.isEmpty() || names.contains(c.getName()))
        .allMatch(c -> CapabilityCompliance.violations(policy, drop(c), add(c)).isEmpty());
  }

  private static List<String> drop(Container c) {
    Capabilities caps = c.getSecurityContext() == null ? null : c.getSecurityContext().getCapabilities();
    return caps == null || caps.getDrop() == null ? List.of() : caps.getDrop();
  }

  private static List<String> add(Container c) {
    Capabilities caps = c.getSecurityContext() == null ? null : c.getSecurityContext().getCapabilities();
    return caps == null || caps.getAdd() == null ? List.of() : caps.getAdd();
  }
}
