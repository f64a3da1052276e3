package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.util.Map;
import java.util.Optional;

/**
 * Finds another profile's spec by namespace and name: from a cache in the operator, from files in
 * the CLI.
 */
@FunctionalInterface
public interface ProfileLookup {
  Optional<SeccompProfileSpec> find(String namespace, String name);

  static ProfileLookup none() {
    return (ns, n) -> Optional.empty();
  }

  /** A lookup over a map keyed by "namespace/name". */
  static ProfileLookup of(Map<String, SeccompProfileSpec> byKey) {
    return (ns, n) -> Optional.ofNullable(byKey.get(ns + "/" + n));
  }
}
