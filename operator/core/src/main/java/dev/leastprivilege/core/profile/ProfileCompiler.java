package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.lint.ProfileLinter;
import dev.leastprivilege.core.render.ProfileRenderer;
import dev.leastprivilege.core.render.RenderedProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * validate → resolve bases → merge → render → limits → lint: the one path every profile takes, in
 * every component.
 */
public final class ProfileCompiler {
  private ProfileCompiler() {}

  public static CompiledProfile compile(
      ProfileRef ref, SeccompProfileSpec spec, ProfileLookup lookup) {
    List<FieldError> errors = ProfileValidator.validate(ref.namespace(), ref.name(), spec);
    if (!errors.isEmpty()) {
      return CompiledProfile.failed(errors);
    }
    BaseProfileResolver.Chain chain =
        BaseProfileResolver.resolve(ref.namespace(), ref.name(), spec, lookup);
    if (!chain.ok()) {
      return CompiledProfile.failed(chain.errors());
    }
    SeccompProfileSpec effective = ProfileMerger.merge(chain.specs());
    RenderedProfile rendered = ProfileRenderer.render(ref, effective);
    List<FieldError> limits =
        ProfileLimits.check(
            rendered, ProfileRenderer.ruleCount(effective), chain.specs().size() > 1);
    if (!limits.isEmpty()) {
      return CompiledProfile.failed(limits);
    }
    // The linter's findings first: the status keeps only the first warnings, and a risky call
    // matters more than a name the node skips.
    List<String> warnings = new ArrayList<>(ProfileLinter.lint(effective));
    warnings.addAll(CrossArchitectureNames.warnings(spec, effective.getArchitectures()));
    return new CompiledProfile(List.of(), effective, rendered, List.copyOf(warnings));
  }
}
