package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which profiles a pod uses, read from its spec. The operator caches only pods that use one ({@link
 * UsingPodsStore}), and keeps only the fields read here.
 */
public final class ActiveWorkloads {
  /**
   * The pod fields the cache keeps; everything else (status, env, volumes, managedFields) is
   * dropped.
   */
  static final String[] KEPT_FIELDS = {
    "spec.securityContext",
    "spec.containers",
    "spec.initContainers",
    "spec.ephemeralContainers",
    "status.phase"
  };

  private ActiveWorkloads() {}

  /**
   * Profiles of ours that the pod references, at pod or container level. A finished pod uses none.
   */
  public static Set<ProfileRef> profilesOf(Pod pod) {
    Set<ProfileRef> refs = new HashSet<>();
    if (pod.getStatus() != null
        && ("Succeeded".equals(pod.getStatus().getPhase())
            || "Failed".equals(pod.getStatus().getPhase()))) {
      return refs;
    }
    PodSpec spec = pod.getSpec();
    if (spec == null) {
      return refs;
    }
    if (spec.getSecurityContext() != null) {
      add(spec.getSecurityContext().getSeccompProfile(), refs);
    }
    Stream.of(spec.getContainers(), spec.getInitContainers())
        .filter(l -> l != null)
        .flatMap(List::stream)
        .map(Container::getSecurityContext)
        .filter(sc -> sc != null)
        .forEach(sc -> add(sc.getSeccompProfile(), refs));
    if (spec.getEphemeralContainers() != null) {
      spec.getEphemeralContainers().stream()
          .filter(c -> c.getSecurityContext() != null)
          .forEach(c -> add(c.getSecurityContext().getSeccompProfile(), refs));
    }
    return refs;
  }

  private static void add(SeccompProfile sp, Set<ProfileRef> refs) {
    if (sp != null && "Localhost".equals(sp.getType())) {
      ProfileRef.fromLocalhostProfile(sp.getLocalhostProfile()).ifPresent(refs::add);
    }
  }
}
