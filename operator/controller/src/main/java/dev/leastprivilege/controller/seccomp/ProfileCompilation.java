package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.Optional;

/** Step 1: validate, resolve bases from the informer cache (no API calls), render and lint, with core. */
final class ProfileCompilation {
  private ProfileCompilation() {}

  static CompiledProfile compile(SeccompProfile profile, IndexedResourceCache<SeccompProfile> profiles) {
    ProfileLookup lookup = (ns, name) -> profiles.get(new ResourceID(name, ns))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(SeccompProfile::getSpec);
    return ProfileCompiler.compile(refOf(profile), profile.getSpec(), lookup);
  }

  static ProfileRef refOf(SeccompProfile p) {
    return new ProfileRef(p.getMetadata().getNamespace(), p.getMetadata().getName());
  }

  /** The index key under which a profile's children find it: namespace/baseProfileName. */
  static Optional<String> baseKey(SeccompProfile p) {
    SeccompProfileSpec spec = p.getSpec();
    if (spec == null || spec.getBaseProfileName() == null || spec.getBaseProfileName().startsWith("builtin:")) {
      return Optional.empty();
    }
    return Optional.of(p.getMetadata().getNamespace() + "/" + spec.getBaseProfileName());
  }
}
