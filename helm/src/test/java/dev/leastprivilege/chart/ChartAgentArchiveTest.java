package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent runs with the class-data archive the image makes for it (docs/performance.md): the
 * chart names the archive, and the image's build scripts make it with the very java, classpath and
 * JVM options the chart runs the agent with (the options read from the chart's values by
 * image/agent-jvm-options.sh). A JVM given an archive made for another classpath, or dumped with
 * other heap or GC options, does not map it, so a change on one side only must fail here, not leave
 * every node's agent without its archive. -Xshare:auto, not on: should it still happen, the agent
 * runs bigger (and warns) instead of not starting.
 */
class ChartAgentArchiveTest {
  static final String ARCHIVE = "/opt/lpo/agent.jsa";

  @Test
  void theAgentRunsWithTheArchiveTheImageMakesForItsClasspath() throws IOException {
    Container agent = agentContainer();
    List<String> args = agent.getArgs();
    assertTrue(args.contains("-XX:SharedArchiveFile=" + ARCHIVE), args::toString);
    assertTrue(args.contains("-Xshare:auto"), args::toString);
    assertFalse(args.contains("-Xshare:on"), args::toString);
    String java = agent.getCommand().get(0);
    String classpath = classpath(args);
    for (String script : List.of("image/build.sh", "image/Dockerfile")) {
      Path path = Path.of("..").resolve(script);
      List<String> dump = archiveStep(path);
      assertEquals(
          List.of(java, classpath, ARCHIVE),
          dump.subList(0, 3),
          script + " makes the agent's archive");
      // The fourth argument: the flags, read by image/agent-jvm-options.sh from the chart.
      assertTrue(dump.size() > 3, script + " passes the agent's JVM options: " + dump);
      String flags = dump.get(3).replaceAll("^\"\\$\\{(\\w+)\\[@]}\"$", "$1");
      String text = Files.readString(path);
      assertTrue(
          text.matches("(?s).*read -ra " + flags + " <<< \"\\$\\([^)]*agent-jvm-options\\.sh.*"),
          script + " reads " + dump.get(3) + " from image/agent-jvm-options.sh");
    }
  }

  @Test
  void theImageDumpsTheArchiveWithTheChartsAgentOptions() throws Exception {
    List<String> args = agentContainer().getArgs();
    List<String> options =
        args.subList(0, args.indexOf("-cp") < 0 ? args.indexOf("-jar") : args.indexOf("-cp"));
    Process p =
        new ProcessBuilder(Path.of("..").resolve("image/agent-jvm-options.sh").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertEquals(0, p.waitFor(), out);
    assertEquals(options, Arrays.asList(out.split("\\s+")), "image/agent-jvm-options.sh");
    assertTrue(options.contains("-Xmx64m"), options::toString);
    assertTrue(options.contains("-XX:+UseSerialGC"), options::toString);
  }

  private static Container agentContainer() {
    return ChartSecurityTest.agent(RenderedChart.defaults()).getContainers().get(0);
  }

  /** What follows -cp (or -jar) in the agent's arguments. */
  private static String classpath(List<String> args) {
    for (int i = 0; i < args.size() - 1; i++) {
      if (args.get(i).equals("-cp") || args.get(i).equals("-jar")) {
        return args.get(i + 1);
      }
    }
    throw new AssertionError("no -cp or -jar in the agent's arguments: " + args);
  }

  /** The JAVA, CLASSPATH and ARCHIVE arguments of the script's call of image/agent-cds.sh. */
  private static List<String> archiveStep(Path script) throws IOException {
    String call =
        Files.readAllLines(script).stream()
            .filter(l -> l.contains("agent-cds.sh") && !l.trim().startsWith("#"))
            .filter(l -> !l.contains("COPY"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(script + " makes no agent archive"));
    List<String> words = Arrays.asList(call.trim().split("\\s+"));
    int at = 0;
    while (!words.get(at).contains("agent-cds.sh")) {
      at++;
    }
    return words.subList(at + 1, Math.min(words.size(), at + 5));
  }
}
