package dev.leastprivilege.core.workload;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.admission.LabelSelection;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One SeccompProfile or CapabilityPolicy as the restart rule sees it: which version of which
 * object, whether it asks for restarts, and which pods it selects.
 *
 * @param kind SeccompProfile or CapabilityPolicy
 * @param uid the object's uid: a profile deleted and created again under the same name starts at
 *     generation 1 again, and is still a change
 * @param asks {@code restartNonCompliant: true} in Enforce mode; an Audit object never restarts
 *     anything
 * @param selector null when the spec has none: a profile then selects no pod, a policy every pod
 *     ({@code absentSelectsAll})
 */
public record RestartRequest(
    String kind,
    String name,
    long generation,
    String uid,
    boolean asks,
    PodSelector selector,
    boolean absentSelectsAll,
    List<String> containerNames) {
  public static final String SECCOMP_PROFILE = "SeccompProfile";
  public static final String CAPABILITY_POLICY = "CapabilityPolicy";

  /** How many characters of the uid an entry keeps: enough to tell two incarnations apart. */
  static final int UID_CHARACTERS = 8;

  public static RestartRequest ofProfile(
      String name, long generation, String uid, SeccompProfileSpec spec) {
    return new RestartRequest(
        SECCOMP_PROFILE,
        name,
        generation,
        uid,
        asks(spec.getMode(), spec.getRestartNonCompliant()),
        spec.getPodSelector(),
        false,
        spec.getContainerNames());
  }

  public static RestartRequest ofPolicy(
      String name, long generation, String uid, CapabilityPolicySpec spec) {
    return new RestartRequest(
        CAPABILITY_POLICY,
        name,
        generation,
        uid,
        asks(spec.getMode(), spec.getRestartNonCompliant()),
        spec.getPodSelector(),
        true,
        spec.getContainerNames());
  }

  /** Whether a spec asks for restarts: {@code restartNonCompliant: true}, and not in Audit mode. */
  public static boolean asks(Mode mode, Boolean restartNonCompliant) {
    return Boolean.TRUE.equals(restartNonCompliant) && mode != Mode.Audit;
  }

  /**
   * Whether it selects a workload's pods, judged by the pod template's labels and containers (the
   * same for every object that looks at the workload, so all of them agree on who asks).
   */
  public boolean selects(Map<String, String> labels, Collection<String> containers) {
    boolean byLabels =
        selector == null ? absentSelectsAll : LabelSelection.matches(selector, labels);
    return byLabels
        && (containerNames == null
            || containerNames.isEmpty()
            || containerNames.stream().anyMatch(containers::contains));
  }

  /** The same object, whatever its version. */
  public boolean sameObject(String kind, String name) {
    return this.kind.equals(kind) && this.name.equals(name);
  }

  /** "SeccompProfile web@3/1f0c2b9a": kind, name, generation and the start of the uid. */
  public String entry() {
    String u = uid == null ? "" : uid;
    return kind
        + " "
        + name
        + "@"
        + generation
        + "/"
        + u.substring(0, Math.min(UID_CHARACTERS, u.length()));
  }
}
