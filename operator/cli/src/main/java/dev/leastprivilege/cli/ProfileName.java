package dev.leastprivilege.cli;

import dev.leastprivilege.core.ProfileRef;
import picocli.CommandLine;

/** Parses NS/NAME (or NAME, in namespace "default"). */
final class ProfileName implements CommandLine.ITypeConverter<ProfileRef> {
  @Override
  public ProfileRef convert(String value) {
    int slash = value.indexOf('/');
    if (slash < 0) {
      return new ProfileRef("default", value);
    }
    if (slash == 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0) {
      throw new CommandLine.TypeConversionException(
          "expected NAMESPACE/NAME or NAME, got \"" + value + "\"");
    }
    return new ProfileRef(value.substring(0, slash), value.substring(slash + 1));
  }
}
