package dev.leastprivilege.core.admission;

import java.util.List;
import java.util.Map;

/**
 * Everything of one namespace the planner may consult, read from caches.
 *
 * @param labels the namespace's labels (for the opt-out label); empty when the namespace is not
 *     cached yet
 * @param profiles its SeccompProfiles
 * @param policies its valid CapabilityPolicies (an invalid policy patches nothing and refuses
 *     nothing)
 */
public record NamespacePolicies(
    Map<String, String> labels, List<ProfileCandidate> profiles, List<PolicyCandidate> policies) {
  public static final NamespacePolicies EMPTY =
      new NamespacePolicies(Map.of(), List.of(), List.of());
}
