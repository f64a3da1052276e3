package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;
import java.util.function.Function;

/**
 * Step 1: validate, resolve bases from the informer cache (no API calls), render and lint, with
 * core.
 */
final class ProfileCompilation {
  private ProfileCompilation() {}

  /**
   * The compiled profile, and whether a base it used was older than the base-change informer's view
   * of it.
   */
  record Result(CompiledProfile compiled, boolean staleBase) {}

  /**
   * The base-change informer and the primary cache watch separately, so a base's change can wake
   * its children before the primary cache has it. A child compiled against a base older than what
   * woke it says so, and is compiled again shortly.
   */
  static Result compile(
      SeccompProfile profile,
      IndexedResourceCache<SeccompProfile> profiles,
      Function<ResourceID, Optional<String>> latestBaseVersion) {
    boolean[] stale = {false};
    ProfileLookup lookup =
        (ns, name) -> {
          ResourceID id = new ResourceID(name, ns);
          Optional<SeccompProfile> base =
              profiles.get(id).filter(p -> p.getMetadata().getDeletionTimestamp() == null);
          Optional<String> latest = latestBaseVersion.apply(id);
          if (latest.isPresent()
              && !latest.equals(base.map(p -> p.getMetadata().getResourceVersion()))) {
            stale[0] = true;
          }
          return base.map(SeccompProfile::getSpec);
        };
    return new Result(ProfileCompiler.compile(refOf(profile), profile.getSpec(), lookup), stale[0]);
  }

  static ProfileRef refOf(SeccompProfile p) {
    return new ProfileRef(p.getMetadata().getNamespace(), p.getMetadata().getName());
  }

  /** The index key under which a profile's children find it: namespace/baseProfileName. */
  static Optional<String> baseKey(SeccompProfile p) {
    SeccompProfileSpec spec = p.getSpec();
    if (spec == null
        || spec.getBaseProfileName() == null
        || BuiltinProfiles.isBuiltinReference(spec.getBaseProfileName())) {
      return Optional.empty();
    }
    return Optional.of(p.getMetadata().getNamespace() + "/" + spec.getBaseProfileName());
  }
}
