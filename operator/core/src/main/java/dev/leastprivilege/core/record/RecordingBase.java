package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.profile.BaseProfileResolver;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.profile.ProfileMerger;
import java.util.List;

/**
 * A recording's base, resolved as a profile's base is ({@link BaseProfileResolver}: missing,
 * invalid and cyclic bases refused) and merged into the one spec whose unconditional allows are
 * kept in every produced profile.
 */
public final class RecordingBase {
  private RecordingBase() {}

  /** The effective base, or the reason there is none (path {@code spec.baseProfileName}). */
  public record Result(SeccompProfileSpec effective, List<FieldError> errors) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  public static Result resolve(
      String namespace, String recording, String baseProfileName, ProfileLookup lookup) {
    // The recording profile stands in for the child: a base that names it is a cycle.
    SeccompProfileSpec child = new SeccompProfileSpec();
    child.setBaseProfileName(baseProfileName);
    BaseProfileResolver.Chain chain =
        BaseProfileResolver.resolve(
            namespace, ProfileRecording.recordingProfileName(recording), child, lookup);
    if (!chain.ok()) {
      return new Result(null, chain.errors());
    }
    List<SeccompProfileSpec> bases = chain.specs().subList(0, chain.specs().size() - 1);
    return new Result(ProfileMerger.merge(bases), List.of());
  }
}
