package dev.leastprivilege.controller.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The image's Java runtime and the agent's class-data archive, made here by the image's own scripts
 * ({@code image/jre.sh}, {@code image/agent-cds.sh}), so the agent is measured and tested on what
 * ships rather than on this machine's JDK. Made once under {@code
 * operator/controller/target/agent-bench}; delete that directory to remake them.
 */
final class ShippedRuntime {
  static final Path TOP = Path.of("..", "..").toAbsolutePath().normalize();
  static final Path DIR = TOP.resolve("operator/controller/target/agent-bench");

  static final Path VALUES = TOP.resolve("helm/least-privilege-operator/values.yaml");

  /** Where the image keeps the agent's archive; agent.jvmOptions names it. */
  static final String IMAGE_ARCHIVE = "/opt/lpo/agent.jsa";

  private ShippedRuntime() {}

  /** A jlink runtime made by image/jre.sh from this JDK (default: the image's, LPO_JDK). */
  static synchronized Path jre(Path jdk, String name) throws IOException, InterruptedException {
    Path out = DIR.resolve(name);
    if (!Files.isExecutable(out.resolve("bin/java"))) {
      Files.createDirectories(DIR);
      ProcessBuilder pb =
          new ProcessBuilder(TOP.resolve("image/jre.sh").toString(), out.toString()).inheritIO();
      if (jdk != null) {
        pb.environment().put("LPO_JDK", jdk.toString());
      }
      if (pb.start().waitFor() != 0) {
        throw new IllegalStateException("image/jre.sh failed (LPO_JDK=" + jdk + ")");
      }
    }
    return out;
  }

  /**
   * The JDK the image's runtime is made from, as image/jre.sh chooses it (LPO_JDK, else JAVA_HOME),
   * else the one running this: also the agent's jcmd.
   */
  static Path imageJdk() {
    String jdk = System.getenv("LPO_JDK");
    if (jdk == null || jdk.isBlank()) {
      jdk = System.getenv("JAVA_HOME");
    }
    return jdk == null || jdk.isBlank() ? Path.of(System.getProperty("java.home")) : Path.of(jdk);
  }

  /** The image's runtime: image/jre.sh from {@link #imageJdk()}. */
  static Path imageJre() throws IOException, InterruptedException {
    return jre(imageJdk(), "jre-image");
  }

  /**
   * The agent's archive for this runtime and classpath, dumped by image/agent-cds.sh from a class
   * list (image/agent-classes.txt unless given), with the flags the archive must match.
   */
  static Path archive(Path jre, String classpath, Path classList, List<String> flags, String name)
      throws IOException, InterruptedException {
    Path jsa = DIR.resolve(name + ".jsa");
    List<String> cmd = new ArrayList<>();
    cmd.add(TOP.resolve("image/agent-cds.sh").toString());
    cmd.add(jre.resolve("bin/java").toString());
    cmd.add(classpath);
    cmd.add(jsa.toString());
    cmd.addAll(flags);
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    if (classList != null) {
      pb.environment().put("LPO_AGENT_CLASSES", classList.toString());
    }
    if (pb.start().waitFor() != 0) {
      throw new IllegalStateException("image/agent-cds.sh failed for " + name);
    }
    return jsa;
  }

  /** agent.jvmOptions from the chart's values.yaml: what every node's agent runs with. */
  static List<String> chartAgentOptions() throws IOException {
    String options =
        new ObjectMapper(new YAMLFactory())
            .readTree(VALUES.toFile())
            .path("agent")
            .path("jvmOptions")
            .asText();
    if (options.isBlank()) {
      throw new IllegalStateException(VALUES + ": agent.jvmOptions is missing or empty");
    }
    return Arrays.asList(options.trim().split("\\s+"));
  }

  /**
   * The chart's agent.jvmOptions on this runtime: the image's archive made here (for this
   * classpath), in place of /opt/lpo/agent.jsa.
   */
  static List<String> chartFlags(List<String> chartOptions, Path jre, String classpath)
      throws IOException, InterruptedException {
    List<String> archiveFlags =
        chartOptions.stream().filter(f -> f.equals("-XX:+UseCompactObjectHeaders")).toList();
    List<String> flags = new ArrayList<>();
    for (String f : chartOptions) {
      if (f.equals("-XX:SharedArchiveFile=" + IMAGE_ARCHIVE)) {
        f = "-XX:SharedArchiveFile=" + archive(jre, classpath, null, archiveFlags, "agent-chart");
      }
      flags.add(f);
    }
    return flags;
  }
}
