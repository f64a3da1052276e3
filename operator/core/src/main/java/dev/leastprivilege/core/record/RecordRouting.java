package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.RunningContainers;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, from a running pod as the API server has it, where its container's records count (the
 * recorder's one rule for "which records count"):
 *
 * <ul>
 *   <li>a container of a pod annotated {@link ApiNames#RECORDING_ANNOTATION} counts for that
 *       recording: its capability checks always, its system calls only where it runs the
 *       recording's profile ({@link ProfileRecording#recordingProfileName}); a privileged container
 *       of such a pod is listed as privileged, with nothing recorded;
 *   <li>a container whose Localhost profile is an Audit SeccompProfile's file counts for that
 *       profile's findings (never for the recording profile itself: that one is the recording);
 *   <li>a container selected by Audit CapabilityPolicies (the admission planner's selection) counts
 *       for their findings.
 * </ul>
 */
public final class RecordRouting {
  private RecordRouting() {}

  /**
   * @param pod the pod, read as the webhook reads it ({@link AdmittedPod#of})
   * @param container the container's name (from the status that named its container ID)
   * @param auditProfiles the Audit SeccompProfiles, by their normalized localhostProfile path
   * @param namespacePolicies the CapabilityPolicies of the pod's namespace
   */
  public static ContainerRoute route(
      AdmittedPod pod,
      String container,
      Map<String, ProfileRef> auditProfiles,
      List<PolicyCandidate> namespacePolicies) {
    Optional<AdmittedPod.AdmittedContainer> found = RunningContainers.container(pod, container);
    if (found.isEmpty()) {
      return ContainerRoute.NONE;
    }
    AdmittedPod.AdmittedContainer c = found.get();
    boolean privileged = RunningContainers.privileged(pod, c);
    Optional<String> path = RunningContainers.localhostProfile(pod, c).map(ProfileRef::normalize);
    // An ephemeral container (kubectl debug) is never recorded: it is not part of the workload a
    // result is made for. Its Audit findings stay: they are calls made under the Audit profile or
    // policy, which admission applies to ephemeral containers too.
    Optional<String> annotated =
        Optional.ofNullable(pod.annotations().get(ApiNames.RECORDING_ANNOTATION))
            .filter(rec -> !rec.isBlank())
            .filter(rec -> !c.ephemeral());
    boolean recordsSyscalls =
        !privileged
            && annotated
                .filter(rec -> path.equals(Optional.of(recordingProfilePath(pod.namespace(), rec))))
                .isPresent();
    // Only a profile of the pod's own namespace: a pod of another namespace naming its file (the
    // webhook refuses that only in scoped namespaces) must not put its calls into its findings.
    Optional<ProfileRef> auditProfile =
        privileged || recordsSyscalls
            ? Optional.empty()
            : path.map(auditProfiles::get).filter(p -> p.namespace().equals(pod.namespace()));
    List<ContainerRoute.AuditedPolicy> policies =
        RunningContainers.auditPolicies(pod, c, namespacePolicies).stream()
            .map(p -> new ContainerRoute.AuditedPolicy(p.name(), kept(p)))
            .toList();
    return new ContainerRoute(annotated, recordsSyscalls, privileged, auditProfile, policies);
  }

  /** The localhostProfile the webhook gives a recorded container. */
  public static String recordingProfilePath(String namespace, String recording) {
    return new ProfileRef(namespace, ProfileRecording.recordingProfileName(recording))
        .localhostProfile();
  }

  /**
   * What a policy would leave a container if it were enforced: its add and allowed lists, plus the
   * runtime's defaults it does not drop (most nodes run containerd). Using anything else is what an
   * Audit policy reports.
   */
  static CapabilitySet kept(PolicyCandidate p) {
    CapabilitySet fromDefaults =
        p.drop().all()
            ? CapabilitySet.EMPTY
            : RuntimeDefaults.CONTAINERD.minus(p.drop().expanded());
    return fromDefaults.union(p.permitted());
  }
}
