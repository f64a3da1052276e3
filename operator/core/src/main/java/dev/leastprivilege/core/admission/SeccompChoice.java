package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which SeccompProfile a container gets: the one its annotation names, or the one whose selector picks it. Two
 * selecting profiles are a conflict the user must settle with an annotation; only when every one of them is in
 * Audit mode (so nothing is refused either way) does the first by name win, with a warning.
 */
final class SeccompChoice {
  private SeccompChoice() {}

  static Optional<ProfileCandidate> choose(AdmittedPod pod, AdmittedPod.AdmittedContainer c,
      List<ProfileCandidate> profiles, Findings findings) {
    String perContainer = ApiNames.SECCOMP_PROFILE_ANNOTATION + "." + c.name();
    String annotation = pod.annotations().containsKey(perContainer) ? perContainer
        : pod.annotations().containsKey(ApiNames.SECCOMP_PROFILE_ANNOTATION) ? ApiNames.SECCOMP_PROFILE_ANNOTATION
        : null;
    if (annotation != null) {
      String name = pod.annotations().get(annotation);
      Optional<ProfileCandidate> named = profiles.stream().filter(p -> p.ref().name().equals(name)).findFirst();
      if (named.isEmpty()) {
        findings.refuse("annotation " + annotation + " names SeccompProfile \"" + name + "\", which does not exist"
            + " in namespace " + pod.namespace());
      }
      return named;
    }
    List<ProfileCandidate> selecting = profiles.stream().filter(p -> p.selects(pod, c.name()))
        .sorted(Comparator.comparing(p -> p.ref().name())).toList();
    if (selecting.size() <= 1) {
      return selecting.stream().findFirst();
    }
    String names = String.join(" and ", selecting.stream().map(p -> p.ref().name()).toList());
    if (selecting.stream().anyMatch(ProfileCandidate::enforces)) {
      findings.refuse("container " + c.name() + " is selected by SeccompProfiles " + names + "; choose one with the"
          + " annotation " + perContainer + ": <name>");
      return Optional.empty();
    }
    findings.warn("container " + c.name() + " is selected by SeccompProfiles " + names + " (all Audit); using "
        + selecting.get(0).ref().name() + ". Choose one with the annotation " + perContainer + ": <name>");
    return Optional.of(selecting.get(0));
  }
}
