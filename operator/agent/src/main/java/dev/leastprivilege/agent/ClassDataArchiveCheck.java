package dev.leastprivilege.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Whether the JVM maps the class-data archive it was given. The chart runs the agent with
 * -Xshare:auto, so an archive that does not match the JVM's options or classpath costs memory
 * (about 10 MiB, docs/performance.md) instead of stopping the agent; this check makes that visible
 * (docs/troubleshooting.md). A JVM that maps its archive says "sharing" in java.vm.info.
 */
final class ClassDataArchiveCheck {
  static final String ARCHIVE_FLAG = "-XX:SharedArchiveFile=";

  private ClassDataArchiveCheck() {}

  /** The warning to log, if the JVM was given an archive ({@code jvmArgs}) and does not share. */
  static Optional<String> warning(List<String> jvmArgs, String vmInfo) {
    Optional<String> archive =
        jvmArgs.stream()
            .filter(a -> a.startsWith(ARCHIVE_FLAG))
            .reduce((first, last) -> last)
            .map(a -> a.substring(ARCHIVE_FLAG.length()));
    if (archive.isEmpty() || (vmInfo != null && vmInfo.contains("sharing"))) {
      return Optional.empty();
    }
    return Optional.of(
        "the JVM does not use the class-data archive "
            + archive.get()
            + " it was given (java.vm.info: "
            + vmInfo
            + "): the agent runs about 10 MiB bigger; the archive does not match agent.jvmOptions"
            + " or the image (docs/troubleshooting.md)");
  }

  /**
   * This process's command line, from /proc/self/cmdline (Linux, where the agent runs): no
   * management beans loaded just for this check. Empty where it cannot be read.
   */
  static List<String> ownCommandLine() {
    try {
      String cmdline =
          new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8);
      return Arrays.asList(cmdline.split("\0"));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
