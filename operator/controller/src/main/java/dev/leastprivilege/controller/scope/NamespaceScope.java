package dev.leastprivilege.controller.scope;

import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.core.admission.PolicyNamespaces;
import dev.leastprivilege.core.status.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Whether a namespace carries {@code leastprivilege.dev/has-policies=true}, as the {@link
 * PolicyNamespaceReconciler} (the label's one writer) last left it, and the step of the
 * SeccompProfile and CapabilityPolicy reconcilers that reads it: a profile or policy says Installed
 * or Ready only once its namespace carries the label, so "ready" implies "the API server sends this
 * namespace's pods to the webhook". While the label is on its way (a few milliseconds after the
 * namespace's first policy) the status is not written at all; when labelling fails, or takes longer
 * than {@link #PATIENCE}, the status says so ({@link ConditionReason#NamespaceNotLabelled}) with an
 * Event.
 */
public final class NamespaceScope {
  /** How soon a reconciler that waits for the label looks again. */
  public static final Duration RECHECK = Duration.ofMillis(250);

  /** How long a status may wait for the label before it says that it waits. */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  /** What a reconciler does with its status, given its namespace's label. */
  public sealed interface Gate {
    /** Write the status as it is. */
    record Open() implements Gate {}

    /** Write nothing yet; look again after {@link #RECHECK}. */
    record Wait() implements Gate {}

    /** Write the status, but not as ready: the message says why the namespace has no label. */
    record Withhold(String message) implements Gate {}
  }

  private static final Gate OPEN = new Gate.Open();
  private static final Gate WAIT = new Gate.Wait();

  /** The label writer's last word on a namespace. */
  private sealed interface Known {}

  private record Labelled() implements Known {}

  private record Unlabelled() implements Known {}

  private record Failed(String cause) implements Known {}

  private final PolicyNamespaces rule;
  private final EventRecorder events;
  private final Supplier<Instant> clock;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Instant> waitingSince = new ConcurrentHashMap<>();

  public NamespaceScope(String operatorNamespace, EventRecorder events) {
    this(new PolicyNamespaces(operatorNamespace), events, Instant::now);
  }

  NamespaceScope(PolicyNamespaces rule, EventRecorder events, Supplier<Instant> clock) {
    this.rule = rule;
    this.events = events;
    this.clock = clock;
  }

  PolicyNamespaces rule() {
    return rule;
  }

  /** The namespace carries the label (the writer saw it, or put it there). */
  void labelled(String namespace) {
    known.put(namespace, new Labelled());
    waitingSince.remove(namespace);
  }

  /**
   * The namespace does not carry the label, or is about to lose it: set before the writer removes
   * it, so no status turns ready on the strength of a label being removed.
   */
  void unlabelled(String namespace) {
    known.put(namespace, new Unlabelled());
  }

  /** Labelling the namespace failed with this cause; the writer tries again. */
  void failed(String namespace, String cause) {
    known.put(namespace, new Failed(cause));
  }

  /** The namespace is gone. */
  void forget(String namespace) {
    known.remove(namespace);
    waitingSince.remove(namespace);
  }

  /**
   * Whether the API server sends this namespace's pods to the webhook now; a restart before that
   * would only bring the same pods back unpatched, and use up the restart.
   */
  public boolean open(String namespace) {
    return gate(namespace) instanceof Gate.Open;
  }

  /** The step itself: may a status of this namespace's profile or policy say ready? */
  public Gate gate(String namespace) {
    if (rule.exempt(namespace)) {
      // The webhook leaves these namespaces alone whatever their labels, so nothing waits.
      return OPEN;
    }
    Known k = known.get(namespace);
    if (k instanceof Labelled) {
      return OPEN;
    }
    if (k instanceof Failed f) {
      return new Gate.Withhold(
          notLabelled(namespace)
              + ": "
              + f.cause()
              + ". The operator retries; check that its ClusterRole may patch namespaces");
    }
    Instant since = waitingSince.computeIfAbsent(namespace, n -> clock.get());
    if (Duration.between(since, clock.get()).compareTo(PATIENCE) > 0) {
      return new Gate.Withhold(
          notLabelled(namespace)
              + " yet: the operator labels a namespace when it holds a SeccompProfile or a"
              + " CapabilityPolicy; see the operator's log");
    }
    return WAIT;
  }

  private static String notLabelled(String namespace) {
    return "namespace "
        + namespace
        + " does not carry the label "
        + PolicyNamespaces.LABEL
        + "="
        + PolicyNamespaces.VALUE
        + ", so the API server does not send its pods to the webhook";
  }

  /**
   * The Ready condition a withheld status carries instead of a ready one, with a Warning Event on
   * {@code about} when its status did not say so already.
   */
  public Condition withheldReady(
      HasMetadata about, Gate.Withhold why, long generation, List<Condition> previous, String now) {
    boolean news =
        Optional.ofNullable(previous)
            .flatMap(ConditionReason::ofReady)
            .map(r -> r != ConditionReason.NamespaceNotLabelled)
            .orElse(true);
    if (news) {
      events.warning(about, ConditionReason.NamespaceNotLabelled.name(), why.message());
    }
    return Conditions.ready(
        false, ConditionReason.NamespaceNotLabelled, why.message(), generation, previous, now);
  }
}
