package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import java.util.List;

/**
 * What the webhook knows about a SeccompProfile.
 *
 * @param selector null when the profile selects no pod by itself (it is then used by annotation or
 *     by reference)
 * @param installed whether every node has the current file
 * @param rollout the profile's phase and node counts, for the warning when it is not installed yet
 * @param missingFile null when the operator has published a file for the profile (the nodes have
 *     it, or are getting it); otherwise why there is none, e.g. the validation error of a profile
 *     that was never valid
 */
public record ProfileCandidate(
    ProfileRef ref,
    PodSelector selector,
    List<String> containerNames,
    Mode mode,
    boolean installed,
    String rollout,
    String missingFile) {

  /** A published profile. */
  public ProfileCandidate(
      ProfileRef ref,
      PodSelector selector,
      List<String> containerNames,
      Mode mode,
      boolean installed,
      String rollout) {
    this(ref, selector, containerNames, mode, installed, rollout, null);
  }

  boolean selects(AdmittedPod pod, String container) {
    return selector != null
        && LabelSelection.matches(selector, pod.labels())
        && (containerNames.isEmpty() || containerNames.contains(container));
  }

  boolean enforces() {
    return mode != Mode.Audit;
  }

  /** "SeccompProfile web (Enforce)", as refusals and warnings name it. */
  String title() {
    return "SeccompProfile " + ref.name() + " (" + (enforces() ? Mode.Enforce : Mode.Audit) + ")";
  }
}
