package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
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
 * RecordedProfiles#capabilities}) when it recorded Capabilities. Neither has a podSelector: they
 * bind to no pod until a user adds one.
 */
public final class RecordingResults {
  private RecordingResults() {}

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
          kinds.contains(RecordingKind.Seccomp)
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
      out.add(
          new Result(
              c.getName(), ProfileRecording.resultName(recording, c.getName()), seccomp, caps));
    }
    return out;
  }
}
