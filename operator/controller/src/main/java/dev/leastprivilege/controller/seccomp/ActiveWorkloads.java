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
 * Which profiles a pod uses. The operator caches only pods carrying {@link #LABEL}, which the webhook sets on the
 * pods it patches or that point at our files, and keeps only the fields read here: never every pod of the
 * cluster.
 */
public final class ActiveWorkloads {
  public static final String LABEL = dev.leastprivilege.api.v1alpha1.ApiNames.USES_PROFILES_LABEL;
  public static final String SELECTOR = LABEL + "=true";
  /** The pod fields the cache keeps; everything else (status, env, volumes, managedFields) is dropped. */
  static final String[] KEPT_FIELDS = {"spec.securityContext", "spec.containers", "spec.initContainers",
      "spec.ephemeralContainers", "status.phase"};

  private ActiveWorkloads() {}

  /** Profiles of ours that the pod references, at pod or container level. A finished pod uses none. */
  public static Set<ProfileRef> profilesOf(Pod pod) {
    Set<ProfileRef> refs = new HashSet<>();
    if (pod.getStatus() != null && ("Succeeded".equals(pod.getStatus().getPhase())
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
    Stream.of(spec.getContainers(), spec.getInitContainers()).filter(l -> l != null).flatMap(List::stream)
        .map(Container::getSecurityContext).filter(sc -> sc != null)
        .forEach(sc -> add(sc.getSeccompProfile(), refs));
    if (spec.getEphemeralContainers() != null) {
      spec.getEphemeralContainers().stream().filter(c -> c.getSecurityContext() != null)
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
