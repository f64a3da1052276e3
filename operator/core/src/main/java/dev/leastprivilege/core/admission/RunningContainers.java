package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/**
 * The admission rules, read back from a pod that runs: which seccomp profile a container got,
 * whether it is privileged, and which policies select it. The node recorder asks these of the pods
 * on its node, so that a record counts for exactly the objects the webhook applied (one rule, not
 * two).
 */
public final class RunningContainers {
  private RunningContainers() {}

  /** The container of that name, in any of the pod's lists; empty when the pod has none. */
  public static Optional<AdmittedPod.AdmittedContainer> container(AdmittedPod pod, String name) {
    return pod.containers().stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * The Localhost profile path the container runs with (container field, annotations, pod field, as
   * the kubelet reads them), or empty when it runs another kind of profile or none.
   */
  public static Optional<String> localhostProfile(
      AdmittedPod pod, AdmittedPod.AdmittedContainer c) {
    JsonNode effective = SeccompSources.effective(pod, c);
    if (!"Localhost".equals(effective.path("type").asText())
        || !effective.path("localhostProfile").isTextual()) {
      return Optional.empty();
    }
    return Optional.of(effective.path("localhostProfile").asText());
  }

  /** Whether the container runs unconfined whatever its profile says (privileged, HostProcess). */
  public static boolean privileged(AdmittedPod pod, AdmittedPod.AdmittedContainer c) {
    return PrivilegedFields.of(pod, c).isPresent();
  }

  /** The Audit CapabilityPolicies (of the pod's namespace) that select the container. */
  public static List<PolicyCandidate> auditPolicies(
      AdmittedPod pod, AdmittedPod.AdmittedContainer c, List<PolicyCandidate> namespacePolicies) {
    return namespacePolicies.stream()
        .filter(p -> !p.enforces() && p.selects(pod, c.name()))
        .toList();
  }
}
