package dev.leastprivilege.api.v1alpha1;

import java.util.List;
import java.util.Optional;

/**
 * The reasons of the Ready condition of SeccompProfile, CapabilityPolicy and ProfileRecording. They
 * are part of the API: people, scripts and health checks match them ({@code kubectl wait}, Argo CD,
 * {@code lpo local}), so the status folding writes them and every reader matches them through this
 * one type. The condition itself keeps a string, as metav1.Condition does.
 */
public enum ConditionReason {
  /** The spec breaks a rule the schema cannot express; the message names the fields. */
  InvalidSpec,
  /** A valid CapabilityPolicy. */
  Valid,
  /** A profile's file is on every node. */
  Installed,
  /** A profile's file is on some nodes and the others have not reported yet. */
  Installing,
  /** Every node reported, and some could not write the file. */
  InstallFailed,
  /** No nodes to install a profile on yet. */
  NoNodes,
  /** A deleted profile waits for the pods that still use it. */
  InUse,
  /** A deleted profile is being removed from the nodes. */
  Deleting,
  /**
   * The operator could not label the namespace {@code leastprivilege.dev/has-policies=true}, so the
   * API server may not send its pods to the webhook; the message says why.
   */
  NamespaceNotLabelled,
  /**
   * The API server refused, as invalid, a request the operator made from the spec (a rule the
   * operator does not check itself); the message quotes the API server. Not retried: the same spec
   * gets the same answer.
   */
  Rejected,
  /**
   * The operator failed on this object in a way it did not expect; the message names the error.
   * Retried a few times with back-off.
   */
  ReconcileError,
  /**
   * A ProfileRecording's namespace does not carry {@code leastprivilege.dev/recording=allowed}, the
   * cluster administrator's opt-in; the message says how to get it.
   */
  RecordingNotAllowed,
  /** A ProfileRecording waits until its recording profile is installed on every node. */
  WaitingForRecordingProfile,
  /** A ProfileRecording records the pods it selects. */
  Recording,
  /** A ProfileRecording ended and wrote its results. */
  Completed,
  /**
   * The name of a recording's recording profile is taken by a SeccompProfile the recording did not
   * make.
   */
  RecordingProfileConflict,
  /** The name of a result is taken by an object the recording did not make: nothing overwritten. */
  ResultNameTaken,
  /**
   * Condition type and reason on a ProfileRecording: kernel records were lost on the nodes that
   * recorded its pods, so its results may miss calls.
   */
  RecordsLost;

  /** The condition type these reasons belong to. */
  public static final String READY = "Ready";

  /** Whether this is the reason of {@code condition}. */
  public boolean isReasonOf(Condition condition) {
    return condition != null && name().equals(condition.getReason());
  }

  /**
   * The Ready condition's reason among {@code conditions}; empty when there is none or it is not
   * one of ours.
   */
  public static Optional<ConditionReason> ofReady(List<Condition> conditions) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream()
        .filter(c -> READY.equals(c.getType()))
        .findFirst()
        .flatMap(c -> java.util.Arrays.stream(values()).filter(r -> r.isReasonOf(c)).findFirst());
  }
}
