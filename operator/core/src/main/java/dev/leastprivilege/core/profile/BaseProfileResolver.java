package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Follows {@code baseProfileName} from a profile to its root, refusing missing, invalid and cyclic
 * bases and chains deeper than {@link #MAX_DEPTH}.
 */
public final class BaseProfileResolver {
  /**
   * Deep enough for real layering (built-in, team, app), shallow enough to keep chains readable.
   */
  public static final int MAX_DEPTH = 8;

  static final String FIELD = "spec.baseProfileName";

  private BaseProfileResolver() {}

  /** The chain, root-most base first and the profile itself last; or the reason there is none. */
  public record Chain(List<SeccompProfileSpec> specs, List<FieldError> errors) {
    public boolean ok() {
      return errors.isEmpty();
    }
  }

  public static Chain resolve(
      String namespace, String name, SeccompProfileSpec spec, ProfileLookup lookup) {
    List<SeccompProfileSpec> chain = new ArrayList<>();
    LinkedHashSet<String> visited = new LinkedHashSet<>();
    visited.add(namespace + "/" + name);
    chain.add(spec);
    SeccompProfileSpec current = spec;
    while (current.getBaseProfileName() != null && !current.getBaseProfileName().isEmpty()) {
      String base = current.getBaseProfileName();
      if (chain.size() > MAX_DEPTH) {
        return failed(
            "base profiles nest deeper than " + MAX_DEPTH + ": " + String.join(" -> ", visited));
      }
      if (BuiltinProfiles.isBuiltinReference(base)) {
        Optional<BuiltinProfiles.Builtin> builtin = BuiltinProfiles.find(base);
        if (builtin.isEmpty()) {
          return failed(
              "unknown built-in profile \""
                  + base
                  + "\"; built-ins are "
                  + String.join(
                      ", ",
                      BuiltinProfiles.names().stream()
                          .map(n -> ApiNames.BUILTIN_PREFIX + n)
                          .toList()));
        }
        chain.add(0, builtin.get().spec());
        break;
      }
      String key = namespace + "/" + base;
      if (!visited.add(key)) {
        return failed("cycle " + String.join(" -> ", visited) + " -> " + key);
      }
      Optional<SeccompProfileSpec> found = lookup.find(namespace, base);
      if (found.isEmpty()) {
        return failed(
            "base profile "
                + key
                + " not found; a base must be a SeccompProfile in the same namespace"
                + " or a built-in ("
                + ApiNames.BUILTIN_PREFIX
                + BuiltinProfiles.RUNTIME_BASELINE
                + ")");
      }
      List<FieldError> baseErrors = ProfileValidator.validate(namespace, base, found.get());
      if (!baseErrors.isEmpty()) {
        return failed("base profile " + key + " is invalid: " + baseErrors.get(0));
      }
      chain.add(0, found.get());
      current = found.get();
    }
    return new Chain(chain, List.of());
  }

  private static Chain failed(String message) {
    return new Chain(List.of(), List.of(new FieldError(FIELD, message)));
  }
}
