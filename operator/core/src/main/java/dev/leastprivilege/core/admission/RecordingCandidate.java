package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.SelectorChecks;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What the webhook knows about a ProfileRecording of the pod's namespace.
 *
 * @param selector the recording's podSelector; null (the API server requires one) selects no pod
 * @param containerNames the containers to record; empty means all of them
 * @param record what it records; empty means both
 * @param phase its status.phase; null before the operator first saw it
 * @param created its creationTimestamp, which orders two recordings that select one pod; null sorts
 *     last
 */
public record RecordingCandidate(
    String name,
    PodSelector selector,
    List<String> containerNames,
    Set<RecordingKind> record,
    RecordingPhase phase,
    Instant created) {

  /**
   * Recording is an exception to the namespace's profiles, so it fails closed the other way round
   * from them: a missing or invalid selector (its status says InvalidSpec) records no pod.
   */
  boolean selects(AdmittedPod pod) {
    return selector != null
        && SelectorChecks.isValid(selector)
        && LabelSelection.matches(selector, pod.labels());
  }

  boolean selectsContainer(String container) {
    return containerNames.isEmpty() || containerNames.contains(container);
  }

  boolean recording() {
    return phase == RecordingPhase.Recording;
  }

  boolean recordsSeccomp() {
    return record.isEmpty() || record.contains(RecordingKind.Seccomp);
  }

  boolean recordsCapabilities() {
    return record.isEmpty() || record.contains(RecordingKind.Capabilities);
  }

  /** The Audit SeccompProfile the operator makes for the recording, in the pod's namespace. */
  ProfileRef profile(String namespace) {
    return new ProfileRef(namespace, ProfileRecording.recordingProfileName(name));
  }

  String title() {
    return "ProfileRecording " + name;
  }
}
