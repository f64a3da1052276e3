package dev.leastprivilege.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** lpo: the Least Privilege Operator's command-line tool. */
@Command(
    name = "lpo",
    mixinStandardHelpOptions = true,
    versionProvider = Lpo.Version.class,
    description =
        "Seccomp profiles and capability policies, offline: lint, render, convert, run and record.",
    subcommands = {
      LintCommand.class,
      RenderCommand.class,
      ConvertCommand.class,
      CapsCommand.class,
      RunCommand.class,
      RecordCommand.class,
      ExportCommand.class,
      MigrateCommand.class,
      LocalCommand.class
    })
public final class Lpo {
  /**
   * Exit code for a problem with lpo's surroundings (no runc, no busybox), as distinct from bad
   * input.
   */
  static final int ENVIRONMENT_ERROR = 125;

  /** Held, because JUL forgets the level of a logger nobody references. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  public static void main(String[] args) {
    quietLogging();
    System.exit(commandLine().execute(args));
  }

  /**
   * lpo is a command-line tool: what it has to say goes to stdout and stderr as sentences. The
   * operator's and agent's libraries log only errors here (LPO_LOG_LEVEL=info shows everything).
   */
  static void quietLogging() {
    String level = System.getenv().getOrDefault("LPO_LOG_LEVEL", "warn");
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
    if (level.equals("warn")) {
      System.setProperty("org.slf4j.simpleLogger.log.io.fabric8", "error");
      System.setProperty("org.slf4j.simpleLogger.log.io.javaoperatorsdk", "error");
      MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
    }
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
