package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import java.util.List;

/**
 * What the webhook knows about a SeccompProfile.
 *
 * @param selector null when the profile selects no pod by itself (it is then used by annotation or by reference)
 * @param installed whether every node has the current file
 * @param rollout the profile's phase and node counts, for the warning when it is not installed yet
 */
public record ProfileCandidate(ProfileRef ref, PodSelector selector, List<String> containerNames, Mode mode,
    boolean installed, String rollout) {

  boolean selects(AdmittedPod pod, String container) {
    return selector != null && LabelSelection.matches(selector, pod.labels())
        && (containerNames.isEmpty() || containerNames.contains(container));
  }

  boolean enforces() {
    return mode != Mode.Audit;
  }
}
