package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.CapabilityCompliance;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pod's containers run with what a SeccompProfile or a CapabilityPolicy imposes: the one
 * definition of compliance, used by the webhook for Audit warnings and by the operator for running
 * pods (which started before the object, were admitted in Audit mode, or while the webhook was
 * down). Privileged containers never comply.
 */
public final class PodCompliance {
  private PodCompliance() {}

  /** One thing wrong with one container. */
  public record Violation(String container, String finding) {
    @Override
    public String toString() {
      return "container " + container + " " + finding;
    }
  }

  /**
   * Containers the profile applies to that do not run under it. The profile applies to a container
   * it selects, or that an annotation points at it; {@code namespaceProfiles} settles which profile
   * an annotation picks, as at admission.
   */
  public static List<Violation> ofProfile(
      AdmittedPod pod, ProfileCandidate profile, List<ProfileCandidate> namespaceProfiles) {
    List<Violation> out = new ArrayList<>();
    String wanted = profile.ref().localhostProfile();
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      Optional<ProfileCandidate> chosen =
          SeccompChoice.choose(pod, c, namespaceProfiles, new Findings());
      boolean applies =
          chosen
              .map(p -> p.ref().equals(profile.ref()))
              .orElseGet(() -> profile.selects(pod, c.name()));
      if (!applies) {
        continue;
      }
      PrivilegedFields.of(pod, c)
          .ifPresent(f -> out.add(new Violation(c.name(), "is privileged (" + f + ")")));
      if (windows(pod)) {
        continue;
      }
      JsonNode effective = SeccompSources.effective(pod, c);
      if (!("Localhost".equals(effective.path("type").asText())
          && wanted.equals(ProfileRef.normalize(effective.path("localhostProfile").asText())))) {
        out.add(
            new Violation(
                c.name(),
                "runs with "
                    + (effective.isMissingNode()
                        ? "no seccompProfile"
                        : "seccompProfile " + effective)
                    + " instead of "
                    + wanted));
      }
    }
    return out;
  }

  /** Containers the policy selects whose capabilities, as the runtime reads them, break it. */
  public static List<Violation> ofPolicy(AdmittedPod pod, PolicyCandidate policy) {
    List<Violation> out = new ArrayList<>();
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      if (policy.selects(pod, c.name())
          && !(windows(pod) && PrivilegedFields.of(pod, c).isEmpty())) {
        of(pod, c, policy, c.capabilities("drop"), c.capabilities("add"))
            .forEach(f -> out.add(new Violation(c.name(), f)));
      }
    }
    return out;
  }

  /**
   * A Windows pod has no seccomp and no Linux capabilities: only a HostProcess container of it is a
   * violation.
   */
  static boolean windows(AdmittedPod pod) {
    return "windows".equals(pod.podSpec().path("os").path("name").asText());
  }

  /**
   * What is wrong with one selected container under a policy, given the raw drop and add lists it
   * runs with.
   */
  static List<String> of(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      PolicyCandidate policy,
      List<String> drop,
      List<String> add) {
    Optional<String> privileged = PrivilegedFields.of(pod, c);
    if (privileged.isPresent()) {
      return List.of("is privileged (" + privileged.get() + "), so it holds every capability");
    }
    return CapabilityCompliance.violations(policy.drop(), policy.permitted(), drop, add);
  }
}
