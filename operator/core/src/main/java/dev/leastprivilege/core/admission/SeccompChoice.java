package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which SeccompProfile a container gets: the one its annotation names, or the one whose selector
 * picks it. Two selecting profiles are a conflict the user must settle with an annotation; only
 * when every one of them is in Audit mode (so nothing is refused either way) does the first by name
 * win, with a warning.
 *
 * <p>The annotation chooses, it does not escape: where Enforce profiles select the container, it
 * may only name one of them. Otherwise a pod could pick an Audit or a permissive profile of its
 * namespace and run unconfined.
 */
final class SeccompChoice {
  private SeccompChoice() {}

  static Optional<ProfileCandidate> choose(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      List<ProfileCandidate> profiles,
      Findings findings) {
    String perContainer = ApiNames.SECCOMP_PROFILE_ANNOTATION + "." + c.name();
    List<ProfileCandidate> selecting =
        profiles.stream()
            .filter(p -> p.selects(pod, c.name()))
            .sorted(Comparator.comparing(p -> p.ref().name()))
            .toList();
    List<ProfileCandidate> enforcing =
        selecting.stream().filter(ProfileCandidate::enforces).toList();
    String annotation =
        pod.annotations().containsKey(perContainer)
            ? perContainer
            : pod.annotations().containsKey(ApiNames.SECCOMP_PROFILE_ANNOTATION)
                ? ApiNames.SECCOMP_PROFILE_ANNOTATION
                : null;
    if (annotation != null) {
      String name = pod.annotations().get(annotation);
      Optional<ProfileCandidate> named =
          profiles.stream().filter(p -> p.ref().name().equals(name)).findFirst();
      if (named.isEmpty()) {
        findings.refuse(
            "annotation "
                + annotation
                + " names SeccompProfile \""
                + name
                + "\", which does not exist"
                + " in namespace "
                + pod.namespace());
      } else if (!enforcing.isEmpty() && !enforcing.contains(named.get())) {
        findings.refuse(
            "annotation "
                + annotation
                + " names SeccompProfile \""
                + name
                + "\", but "
                + names(enforcing)
                + " selects container "
                + c.name()
                + " in Enforce mode; the annotation may only"
                + " choose among the Enforce profiles that select the container");
        return Optional.empty();
      }
      return named;
    }
    if (selecting.size() <= 1) {
      return selecting.stream().findFirst();
    }
    if (!enforcing.isEmpty()) {
      findings.refuse(
          "container "
              + c.name()
              + " is selected by "
              + names(selecting)
              + "; choose one with the"
              + " annotation "
              + perContainer
              + ": <name>");
      return Optional.empty();
    }
    findings.warn(
        "container "
            + c.name()
            + " is selected by "
            + names(selecting)
            + " (all Audit); using "
            + selecting.get(0).ref().name()
            + ". Choose one with the annotation "
            + perContainer
            + ": <name>");
    return Optional.of(selecting.get(0));
  }

  private static String names(List<ProfileCandidate> profiles) {
    return (profiles.size() == 1 ? "SeccompProfile " : "SeccompProfiles ")
        + String.join(" and ", profiles.stream().map(p -> p.ref().name()).toList());
  }
}
