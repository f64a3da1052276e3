package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.render.RenderedProfile;
import java.util.List;

/**
 * The outcome of compiling one profile: either errors, or the effective spec, the rendered file and
 * lint warnings.
 */
public record CompiledProfile(
    List<FieldError> errors,
    SeccompProfileSpec effective,
    RenderedProfile rendered,
    List<String> warnings) {

  public boolean ok() {
    return errors.isEmpty();
  }

  static CompiledProfile failed(List<FieldError> errors) {
    return new CompiledProfile(List.copyOf(errors), null, null, List.of());
  }
}
