package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Pod fields that give privilege this product does not govern: host namespaces, privilege
 * escalation through setuid files, an unmasked /proc and an unconfined AppArmor profile. Pod
 * Security Admission (the baseline and restricted levels) refuses them; the webhook only warns, so
 * that a team relying on its profiles and policies learns that they do not cover these
 * (docs/security-model.md says why each is out of scope).
 */
final class OutOfScopeFields {
  private static final String PSA =
      "; this product does not restrict it: use Pod Security Admission's baseline"
          + " level (pod-security.kubernetes.io/enforce) to refuse it";
  private static final String APPARMOR_ANNOTATION =
      "container.apparmor.security.beta.kubernetes.io/";

  private OutOfScopeFields() {}

  static void warn(AdmittedPod pod, Findings findings) {
    for (String field : List.of("hostPID", "hostIPC", "hostNetwork")) {
      if (pod.podSpec().path(field).asBoolean(false)) {
        findings.warn("spec." + field + ": true shares the node's namespace with the pod" + PSA);
      }
    }
    if (unconfined(pod.podSpec().path("securityContext").path("appArmorProfile"))) {
      findings.warn("spec.securityContext.appArmorProfile: Unconfined" + PSA);
    }
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      String where = "container " + c.name() + ": securityContext.";
      if (c.field("allowPrivilegeEscalation").asBoolean(false)) {
        findings.warn(
            where
                + "allowPrivilegeEscalation: true lets setuid and file-capability programs gain"
                + " privilege within the container's bounding set; set it to false unless the container needs it");
      }
      if ("Unmasked".equals(c.field("procMount").asText())) {
        findings.warn(where + "procMount: Unmasked exposes the host's /proc paths" + PSA);
      }
      if (unconfined(c.field("appArmorProfile"))
          || "unconfined".equals(pod.annotations().get(APPARMOR_ANNOTATION + c.name()))) {
        findings.warn("container " + c.name() + ": AppArmor unconfined" + PSA);
      }
    }
  }

  private static boolean unconfined(JsonNode appArmorProfile) {
    return "Unconfined".equals(appArmorProfile.path("type").asText());
  }
}
