package dev.leastprivilege.cli;

import picocli.CommandLine.Command;

/** Objects of other tools to ours. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Convert another tool's exported objects into ours.",
    subcommands = {MigrateSpoCommand.class})
final class MigrateCommand {}
