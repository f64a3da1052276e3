package dev.leastprivilege.core.status;

import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import java.util.List;
import java.util.Objects;

/** Builds a condition, keeping the previous transition time when the status did not change. */
public final class Conditions {
  public static final String READY = ConditionReason.READY;

  private Conditions() {}

  public static Condition ready(
      boolean ready,
      ConditionReason reason,
      String message,
      long generation,
      List<Condition> previous,
      String now) {
    String status = ready ? "True" : "False";
    String since =
        previous == null
            ? now
            : previous.stream()
                .filter(c -> READY.equals(c.getType()) && status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(now);
    return new Condition(READY, status, reason.name(), message, generation, since);
  }
}
