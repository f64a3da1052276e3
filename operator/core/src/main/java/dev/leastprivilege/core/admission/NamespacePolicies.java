package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.List;
import java.util.Map;

/**
 * Everything of one namespace the planner may consult, read from caches.
 *
 * @param labels the namespace's labels (for the opt-out label and the recording opt-in); empty when
 *     the namespace is not cached yet
 * @param profiles its SeccompProfiles
 * @param policies its valid CapabilityPolicies (an invalid policy patches nothing and refuses
 *     nothing)
 * @param recordings its ProfileRecordings, whatever their phase
 */
public record NamespacePolicies(
    Map<String, String> labels,
    List<ProfileCandidate> profiles,
    List<PolicyCandidate> policies,
    List<RecordingCandidate> recordings) {
  public static final NamespacePolicies EMPTY =
      new NamespacePolicies(Map.of(), List.of(), List.of(), List.of());

  /** A namespace without recordings. */
  public NamespacePolicies(
      Map<String, String> labels, List<ProfileCandidate> profiles, List<PolicyCandidate> policies) {
    this(labels, profiles, policies, List.of());
  }

  /**
   * Whether a cluster administrator has let the namespace record: its label {@link
   * ApiNames#RECORDING_ALLOWED_LABEL}={@link ApiNames#RECORDING_ALLOWED}.
   */
  public boolean recordingAllowed() {
    return ApiNames.RECORDING_ALLOWED.equals(labels.get(ApiNames.RECORDING_ALLOWED_LABEL));
  }
}
