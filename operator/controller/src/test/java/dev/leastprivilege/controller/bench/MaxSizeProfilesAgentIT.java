package dev.leastprivilege.controller.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLimits;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.render.ProfileRenderer;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The agent on the image's runtime with the chart's JVM options (agent.jvmOptions in values.yaml: a
 * 64 MiB heap, the agent's class-data archive) installs pages of profiles at the documented limit
 * ({@link ProfileLimits}): {@value #PROFILES} of them, {@value #PAGES} of the agent's list pages,
 * every file written, no OutOfMemoryError. The peak heap (from the GC log) and the heap after a
 * full GC are printed for docs/performance.md.
 */
class MaxSizeProfilesAgentIT {
  /** Three of the agent's list pages (Agent.LIST_PAGE = 100). */
  static final int PAGES = 3;

  static final int PROFILES = PAGES * 100;

  /** How long the agent may take to install them on a loaded machine. */
  private static final Duration INSTALL_BUDGET = Duration.ofMinutes(5);

  private static final Pattern GC = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  @Test
  void theChartsHeapHoldsPagesOfMaximalProfiles() throws Exception {
    byte[] json = maximalProfile();
    Path work = Files.createTempDirectory("lpo-agent-max-");
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), api.kubeconfig());
      ScaleBenchmark.namespace(client, ScaleBenchmark.NS);
      client
          .resource(new NodeBuilder().withNewMetadata().withName("probe").endMetadata().build())
          .create();
      ScaleBenchmark.parallel(
          PROFILES,
          i ->
              client
                  .resource(
                      RenderedProfileConfigMap.build(
                          ScaleBenchmark.NS,
                          "max",
                          "p" + i,
                          json,
                          dev.leastprivilege.core.render.ContentHash.of(json)))
                  .create());
      Path root = work.resolve("root");
      Path gcLog = work.resolve("gc.log");
      // On the image's runtime (image/jre.sh) with the chart's options, the archive included.
      Path jre = ShippedRuntime.imageJre();
      String classpath = ChildJvm.agentClasspath();
      List<String> flags =
          new ArrayList<>(ShippedRuntime.chartFlags(chartJvmOptions(), jre, classpath));
      flags.add("-Xlog:gc:file=" + gcLog);
      Path classLog = work.resolve("classes.log");
      flags.add("-Xlog:class+load=info:file=" + classLog);
      Path log = work.resolve("agent.log");
      long start = System.nanoTime();
      try (ChildJvm agent =
          new ChildJvm(
              jre.resolve("bin/java"),
              "dev.leastprivilege.agent.AgentMain",
              classpath,
              flags,
              ScaleBenchmark.agentEnv(
                  Map.of(
                      "KUBECONFIG",
                      kubeconfig.toString(),
                      "LPO_NAMESPACE",
                      ScaleBenchmark.NS,
                      "HEALTH_PORT",
                      "0",
                      "NODE_NAME",
                      "probe",
                      "SECCOMP_ROOT",
                      root.toString())),
              log)) {
        Path dir = root.resolve("leastprivilege/max");
        // Until every file is written, or the agent has exited: the assertions below tell which.
        try {
          await("the agent writes " + PROFILES + " files or exits")
              .atMost(INSTALL_BUDGET)
              .pollInterval(Duration.ofMillis(200))
              .until(() -> ScaleBenchmark.count(dir) >= PROFILES || !agent.process.isAlive());
        } catch (ConditionTimeoutException e) {
          fail(
              "files written within "
                  + INSTALL_BUDGET
                  + ": "
                  + ScaleBenchmark.count(dir)
                  + " of "
                  + PROFILES
                  + "\n"
                  + tail(Files.readString(log)),
              e);
        }
        double seconds = ScaleBenchmark.seconds(start);
        String agentLog = Files.readString(log);
        assertTrue(agent.process.isAlive(), "the agent died: " + tail(agentLog));
        assertEquals(PROFILES, ScaleBenchmark.count(dir), "files written: " + tail(agentLog));
        assertFalse(agentLog.contains("OutOfMemoryError"), tail(agentLog));
        double afterGc = agent.heapAfterGcMiB(ShippedRuntime.imageJdk());
        double rss = agent.rssMiB();
        int peak = peakHeapMiB(Files.readString(gcLog));
        System.out.printf(
            Locale.ROOT,
            "agent (%s): %d profiles of %d bytes (%d pages of 100) installed in %.1f s; peak heap"
                + " in use before a GC %d MiB, heap after a full GC %.1f MiB, resident %.1f MiB%n",
            String.join(" ", chartJvmOptions()),
            PROFILES,
            json.length,
            PAGES,
            seconds,
            peak,
            afterGc,
            rss);
        assertTrue(peak < 64, "the peak stays inside the 64 MiB heap: " + peak);
        // The agent binds its JSON itself (agent/kube/JsonTree): jackson-databind's mapper would
        // bring about 550 classes, paid in resident memory on every node.
        String classes = Files.readString(classLog);
        assertTrue(classes.contains(" dev.leastprivilege.agent.kube.JsonTree source:"), "logged");
        assertFalse(
            classes.contains(" com.fasterxml.jackson.databind.ObjectMapper source:"),
            "the agent loaded jackson-databind's ObjectMapper");
      }
    } finally {
      try (var paths = Files.walk(work)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * A valid profile as close to {@link ProfileLimits#MAX_RENDERED_BYTES} as rules allow: argument
   * rules, each a rule of its own in the file.
   */
  static byte[] maximalProfile() {
    SeccompProfileSpec spec = new SeccompProfileSpec();
    spec.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    spec.getSyscalls()
        .add(new SyscallRule(List.of("read", "write", "exit_group"), SeccompAction.SCMP_ACT_ALLOW));
    ProfileRef ref = new ProfileRef("max", "p");
    for (long k = 0; ; k++) {
      SyscallRule r = new SyscallRule(List.of("personality"), SeccompAction.SCMP_ACT_ALLOW);
      r.setArgs(
          new ArrayList<>(
              Arrays.asList(
                  new SyscallArg(0, 1_000_000 + k, null, ArgOperator.SCMP_CMP_EQ),
                  new SyscallArg(1, 2_000_000 + k, null, ArgOperator.SCMP_CMP_EQ))));
      spec.getSyscalls().add(r);
      if (ProfileRenderer.render(ref, spec).json().length > ProfileLimits.MAX_RENDERED_BYTES
          || ProfileRenderer.ruleCount(spec) > ProfileLimits.MAX_RENDERED_RULES) {
        spec.getSyscalls().remove(spec.getSyscalls().size() - 1);
        break;
      }
    }
    CompiledProfile compiled = ProfileCompiler.compile(ref, spec, ProfileLookup.none());
    assertTrue(compiled.ok(), compiled.errors().toString());
    byte[] json = compiled.rendered().json();
    assertTrue(
        json.length > ProfileLimits.MAX_RENDERED_BYTES * 0.99, "near the limit: " + json.length);
    return json;
  }

  /** agent.jvmOptions from the chart's values.yaml: what every node's agent runs with. */
  static List<String> chartJvmOptions() throws java.io.IOException {
    return ShippedRuntime.chartAgentOptions();
  }

  /**
   * The largest heap in use before any GC, from -Xlog:gc lines ("Pause Young ... 40M->12M(64M)").
   */
  static int peakHeapMiB(String gcLog) {
    int peak = 0;
    Matcher m = GC.matcher(gcLog);
    while (m.find()) {
      peak = Math.max(peak, Integer.parseInt(m.group(1)));
    }
    return peak;
  }

  /** The lines of the agent's log that say what went wrong: errors, warnings and causes. */
  private static String tail(String log) {
    return String.join(
        "\n",
        log.lines()
            .filter(
                l ->
                    l.contains("ERROR")
                        || l.contains("WARN")
                        || l.contains("Error")
                        || l.contains("Caused by")
                        || l.contains("Exception:"))
            .limit(40)
            .toList());
  }
}
