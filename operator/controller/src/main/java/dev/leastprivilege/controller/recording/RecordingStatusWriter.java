package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.StatusDiff;
import dev.leastprivilege.core.status.Conditions;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one writer of ProfileRecording status: the Ready condition (and RecordsLost when records were
 * lost), an Event when the phase or reason changes, and a patch only when something a user can see
 * changed.
 */
final class RecordingStatusWriter {
  private final EventRecorder events;

  RecordingStatusWriter(EventRecorder events) {
    this.events = events;
  }

  /** The conditions, an Event when the reason changed, and one patch when the status changed. */
  UpdateControl<ProfileRecording> write(
      ProfileRecording rec, ProfileRecordingStatus next, ConditionReason reason, String message) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    List<Condition> previous = rec.getStatus() == null ? null : rec.getStatus().getConditions();
    boolean ok = next.getPhase() != RecordingPhase.Failed;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(Conditions.ready(ok, reason, message, generation(rec), previous, now));
    long lost = next.getLostRecords() == null ? 0 : next.getLostRecords();
    if (lost > 0) {
      conditions.add(recordsLost(rec, lost, previous, now));
    }
    next.setConditions(conditions);
    announce(rec, next, reason, message, lost);
    if (StatusDiff.same(rec.getStatus(), next)) {
      return UpdateControl.noUpdate();
    }
    rec.setStatus(next);
    return UpdateControl.patchStatus(rec);
  }

  /**
   * Records lost on the recorded pods' nodes: the results are still written (what was recorded is
   * right), and this condition and a Warning say they may be short.
   */
  private static Condition recordsLost(
      ProfileRecording rec, long lost, List<Condition> previous, String now) {
    String type = ConditionReason.RecordsLost.name();
    String since =
        previous == null
            ? now
            : previous.stream()
                .filter(c -> type.equals(c.getType()))
                .map(Condition::getLastTransitionTime)
                .findFirst()
                .orElse(now);
    return new Condition(
        type,
        "True",
        type,
        lost
            + " kernel records were lost on the nodes that recorded this recording's pods (rate"
            + " limits, a full log buffer): the results may miss calls. Raise the limits"
            + " (kernel.printk_ratelimit, or the audit backlog) and record again, or run the"
            + " results in Audit mode first",
        generation(rec),
        since);
  }

  /** Events: a phase or reason change, and the results. */
  private void announce(
      ProfileRecording rec,
      ProfileRecordingStatus next,
      ConditionReason reason,
      String message,
      long lost) {
    Optional<String> before =
        rec.getStatus() == null || rec.getStatus().getConditions() == null
            ? Optional.empty()
            : rec.getStatus().getConditions().stream()
                .filter(c -> ConditionReason.READY.equals(c.getType()))
                .map(Condition::getReason)
                .findFirst();
    if (before.equals(Optional.of(reason.name()))) {
      return;
    }
    if (next.getPhase() == RecordingPhase.Failed) {
      events.warning(rec, reason.name(), message);
    } else {
      events.normal(rec, reason.name(), message);
    }
    if (next.getPhase() == RecordingPhase.Completed && lost > 0) {
      events.warning(
          rec,
          ConditionReason.RecordsLost.name(),
          lost
              + " kernel records were lost while recording: the results may miss calls. Raise"
              + " the limits and record again, or run the results in Audit mode first");
    }
  }

  private static long generation(ProfileRecording rec) {
    return rec.getMetadata().getGeneration() == null ? 0 : rec.getMetadata().getGeneration();
  }
}
