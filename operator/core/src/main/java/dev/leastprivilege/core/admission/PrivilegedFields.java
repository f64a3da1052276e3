package dev.leastprivilege.core.admission;

import java.util.Optional;

/**
 * The fields that make a container privileged. containerd and CRI-O ignore a privileged container's
 * seccomp profile and capability lists: it runs unconfined with every capability. A Windows
 * HostProcess container is the same on its platform. No profile or policy can confine such a
 * container, so where one is enforced, it is refused.
 */
final class PrivilegedFields {
  private PrivilegedFields() {}

  /**
   * The field that makes the container privileged, as a user would find it in the manifest; empty
   * when none.
   */
  static Optional<String> of(AdmittedPod pod, AdmittedPod.AdmittedContainer c) {
    if (c.field("privileged").asBoolean(false)) {
      return Optional.of("securityContext.privileged: true");
    }
    if (c.field("windowsOptions").path("hostProcess").asBoolean(false)) {
      return Optional.of("securityContext.windowsOptions.hostProcess: true");
    }
    if (pod.podSpec()
        .path("securityContext")
        .path("windowsOptions")
        .path("hostProcess")
        .asBoolean(false)) {
      return Optional.of("spec.securityContext.windowsOptions.hostProcess: true");
    }
    return Optional.empty();
  }
}
