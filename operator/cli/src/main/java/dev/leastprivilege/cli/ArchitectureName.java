package dev.leastprivilege.cli;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine;

/** Accepts SCMP_ARCH_X86_64, x86_64 or amd64 (and likewise for every supported architecture). */
final class ArchitectureName implements CommandLine.ITypeConverter<Architecture> {
  @Override
  public Architecture convert(String value) {
    String v = value.toUpperCase(Locale.ROOT);
    v =
        switch (v) {
          case "AMD64" -> "X86_64";
          case "ARM64" -> "AARCH64";
          case "386", "I386" -> "X86";
          default -> v;
        };
    String full = v.startsWith("SCMP_ARCH_") ? v : "SCMP_ARCH_" + v;
    try {
      return Architecture.valueOf(full);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(
          "unsupported architecture \""
              + value
              + "\"; expected one of "
              + Arrays.toString(Architecture.values()));
    }
  }
}
