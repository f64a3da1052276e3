package dev.leastprivilege.core.convert;

import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.util.List;

/** A converted spec and notes on every decision the conversion made, for the user to read. */
public record ConvertedProfile(SeccompProfileSpec spec, List<String> notes) {}
