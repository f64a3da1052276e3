package dev.leastprivilege.core.record;

import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.caps.CapabilitySet;
import java.util.List;
import java.util.Optional;

/**
 * Where one running container's records count: for a recording, for an Audit SeccompProfile, for
 * Audit CapabilityPolicies, or for nothing ({@link #NONE}).
 *
 * @param recording the ProfileRecording the pod is marked for: the container's capability checks
 *     count for it
 * @param recordsSyscalls the container runs that recording's profile: its system calls count too
 * @param privileged the container is privileged (it runs unconfined, so nothing is recorded)
 * @param auditProfile the Audit SeccompProfile whose file the container runs
 * @param auditPolicies the Audit CapabilityPolicies that select the container
 */
public record ContainerRoute(
    Optional<String> recording,
    boolean recordsSyscalls,
    boolean privileged,
    Optional<ProfileRef> auditProfile,
    List<AuditedPolicy> auditPolicies) {
  public static final ContainerRoute NONE =
      new ContainerRoute(Optional.empty(), false, false, Optional.empty(), List.of());

  /** Whether any record of the container counts for something. */
  public boolean counts() {
    return recording.isPresent() || auditProfile.isPresent() || !auditPolicies.isEmpty();
  }

  /**
   * An Audit CapabilityPolicy and what it would keep if it were enforced: a capability the
   * container uses beyond it is a finding.
   */
  public record AuditedPolicy(String name, CapabilitySet kept) {
    public boolean keeps(Capability capability) {
      return kept.contains(capability);
    }
  }
}
