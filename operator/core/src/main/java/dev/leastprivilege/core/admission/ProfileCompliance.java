package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a running pod uses the profile that selects it. Pods created before the profile (or while the webhook
 * was down) do not, and a running pod's securityContext cannot change: only a restart fixes them.
 */
public final class ProfileCompliance {
  private ProfileCompliance() {}

  /** Containers the profile selects that run without it. An annotation choosing another profile is respected. */
  public static List<String> nonCompliantContainers(AdmittedPod pod, ProfileCandidate profile) {
    List<String> out = new ArrayList<>();
    String wanted = profile.ref().localhostProfile();
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      String chosen = pod.annotations().getOrDefault(ApiNames.SECCOMP_PROFILE_ANNOTATION + "." + c.name(),
          pod.annotations().get(ApiNames.SECCOMP_PROFILE_ANNOTATION));
      boolean applies = chosen != null ? chosen.equals(profile.ref().name()) : profile.selects(pod, c.name());
      JsonNode effective = c.seccompProfile().isObject() ? c.seccompProfile() : pod.podSeccompProfile();
      if (applies && !("Localhost".equals(effective.path("type").asText())
          && wanted.equals(LocalhostPaths.normalize(effective.path("localhostProfile").asText()))) ) {
        out.add(c.name());
      }
    }
    return out;
  }
}
