package dev.leastprivilege.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** lpo: the Least Privilege Operator's command-line tool. */
@Command(name = "lpo", mixinStandardHelpOptions = true, versionProvider = Lpo.Version.class,
    description = "Seccomp profiles and capability policies, offline: lint, render, convert, run and record.",
    subcommands = {LintCommand.class, RenderCommand.class, ConvertCommand.class, CapsCommand.class,
        RunCommand.class, RecordCommand.class})
public final class Lpo {
  /** Exit code for a problem with lpo's surroundings (no runc, no busybox), as distinct from bad input. */
  static final int ENVIRONMENT_ERROR = 125;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Lpo()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Lpo.class.getPackage().getImplementationVersion();
      return new String[] {"lpo " + (v == null ? "development build" : v)};
    }
  }
}
