package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent runs with the class-data archive the image makes for it (docs/performance.md): the
 * chart names the archive and insists on it (-Xshare:on), and the image's build scripts make it
 * with the very java and classpath the chart runs the agent with. A JVM given an archive made for
 * another classpath refuses it, so a classpath changed on one side only must fail here, not leave
 * every node's agent without its archive.
 */
class ChartAgentArchiveTest {
  static final String ARCHIVE = "/opt/lpo/agent.jsa";

  @Test
  void theAgentRunsWithTheArchiveTheImageMakesForItsClasspath() throws IOException {
    Container agent = agentContainer();
    List<String> args = agent.getArgs();
    assertTrue(args.contains("-XX:SharedArchiveFile=" + ARCHIVE), args::toString);
    assertTrue(args.contains("-Xshare:on"), args::toString);
    String java = agent.getCommand().get(0);
    String classpath = classpath(args);
    for (String script : List.of("image/build.sh", "image/Dockerfile")) {
      List<String> dump = archiveStep(Path.of("..").resolve(script));
      assertEquals(List.of(java, classpath, ARCHIVE), dump, script + " makes the agent's archive");
    }
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
    return words.subList(at + 1, at + 4);
  }
}
