package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import dev.leastprivilege.core.caps.Capability;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a recording produces when it ends: per container name, a SeccompProfile (an allow-list of
 * the base's calls and the recorded ones, {@link RecordedProfiles#seccomp}) when it recorded
 * Seccomp, and a CapabilityPolicy ({@code drop: [ALL]}, {@code add}: what was used, {@link
 * RecordedProfiles#capabilities}) when it recorded Capabilities. Neither selects a pod until a user
 * says so: the profile has no podSelector, the policy one that matches no pod ({@link
 * #selectsNoPod}).
 */
public final class RecordingResults {
  private RecordingResults() {}

  /**
   * The podSelector of a produced CapabilityPolicy: a label both present and absent, which no pod
   * has. A CapabilityPolicy without a podSelector selects every pod of its namespace, so leaving it
   * out would enforce the result at once; a SeccompProfile without one selects none, so produced
   * profiles have none. The user replaces it with the workload's selector.
   */
  public static PodSelector selectsNoPod() {
    PodSelector s = new PodSelector();
    s.getMatchExpressions()
        .add(new SelectorRequirement(ApiNames.RECORDED_BY_LABEL, "Exists", new ArrayList<>()));
    s.getMatchExpressions()
        .add(
            new SelectorRequirement(ApiNames.RECORDED_BY_LABEL, "DoesNotExist", new ArrayList<>()));
    return s;
  }

  /** One container name's results, named {@link ProfileRecording#resultName}. */
  public record Result(
      String containerName,
      String name,
      Optional<SeccompProfileSpec> seccomp,
      Optional<CapabilityPolicySpec> capabilities) {}

  public static List<Result> of(
      String recording,
      Set<RecordingKind> kinds,
      SeccompProfileSpec effectiveBase,
      SeccompAction defaultAction,
      List<RecordedContainer> containers) {
    Set<String> baseAllowed = RecordedProfiles.allowedBy(effectiveBase);
    List<Result> out = new ArrayList<>();
    for (RecordedContainer c : containers) {
      Optional<SeccompProfileSpec> seccomp =
          // A container whose system calls no replica recorded (an Enforce profile selected it)
          // would get a profile of the base alone: none is produced.
          kinds.contains(RecordingKind.Seccomp) && Boolean.TRUE.equals(c.getSyscallsRecorded())
              ? Optional.of(
                  RecordedProfiles.seccomp(
                      baseAllowed,
                      c.getSyscalls().stream().map(SyscallCoverage::getName).toList(),
                      effectiveBase.getArchitectures(),
                      defaultAction))
              : Optional.empty();
      Optional<CapabilityPolicySpec> caps =
          kinds.contains(RecordingKind.Capabilities)
              ? Optional.of(
                  RecordedProfiles.capabilities(
                      c.getCapabilities().stream()
                          .map(Capability::parse)
                          .flatMap(Optional::stream)
                          .toList()))
              : Optional.empty();
      caps.ifPresent(p -> p.setPodSelector(selectsNoPod()));
      out.add(
          new Result(
              c.getName(), ProfileRecording.resultName(recording, c.getName()), seccomp, caps));
    }
    return out;
  }
}
