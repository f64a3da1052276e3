package dev.leastprivilege.core.convert;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.core.caps.CapabilitySet;
import java.util.Optional;

/**
 * What a Docker-format profile's conditions are decided against. containerd ignores those
 * conditions, so they must be decided once, explicitly, at conversion time.
 *
 * @param kernel "major.minor" to decide minKernel conditions, or empty to assume a kernel new
 *     enough for all
 */
public record ConversionTarget(
    Architecture architecture, CapabilitySet capabilities, Optional<String> kernel) {}
