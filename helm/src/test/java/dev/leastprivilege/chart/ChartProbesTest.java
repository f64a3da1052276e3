package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A JVM that starts slowly is not killed for it: every long-running container (the operator, the
 * webhook, the agent, the recorder) has a startupProbe on the endpoint of its livenessProbe with a
 * budget of minutes, so liveness is checked only once the program has started. Before, liveness
 * began after a fixed 30 s, and on a busy node the kubelet killed JVMs still starting.
 */
class ChartProbesTest {
  /** What a JVM may take to start on a loaded node before the kubelet gives up on it. */
  static final Duration MIN_STARTUP_BUDGET = Duration.ofMinutes(3);

  /** Every container of every Deployment and DaemonSet, in every documented combination. */
  @Test
  void everyLongRunningContainerHasAStartupProbeOnItsLivenessEndpoint() {
    Set<String> checked = new TreeSet<>();
    List<Path> combinations = new ArrayList<>();
    combinations.add(null);
    combinations.addAll(RenderedChart.documentedCombinations());
    for (Path values : combinations) {
      RenderedChart chart = RenderedChart.render(values, Map.of());
      List<PodTemplateSpec> pods = new ArrayList<>();
      chart.all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
      chart.all(DaemonSet.class).forEach(d -> pods.add(d.getSpec().getTemplate()));
      for (PodTemplateSpec pod : pods) {
        for (Container c : pod.getSpec().getContainers()) {
          String where = c.getName() + " (" + (values == null ? "defaults" : values) + ")";
          assertStartsBeforeLiveness(c, where);
          checked.add(c.getName());
        }
      }
    }
    // Not vacuous: every program of the chart was looked at.
    assertEquals(Set.of("agent", "operator", "recorder", "webhook"), checked);
  }

  private static void assertStartsBeforeLiveness(Container c, String where) {
    Probe startup = c.getStartupProbe();
    Probe liveness = c.getLivenessProbe();
    assertNotNull(liveness, () -> where + ": no livenessProbe");
    assertNotNull(startup, () -> where + ": no startupProbe");
    assertNotNull(startup.getHttpGet(), () -> where + ": the startupProbe is no httpGet");
    assertEquals(
        liveness.getHttpGet().getPath(),
        startup.getHttpGet().getPath(),
        () -> where + ": the startupProbe's path");
    assertEquals(
        liveness.getHttpGet().getPort(),
        startup.getHttpGet().getPort(),
        () -> where + ": the startupProbe's port");
    Duration budget =
        Duration.ofSeconds(
            (long) orDefault(startup.getFailureThreshold(), 3)
                    * orDefault(startup.getPeriodSeconds(), 10)
                + orDefault(startup.getInitialDelaySeconds(), 0));
    assertTrue(
        budget.compareTo(MIN_STARTUP_BUDGET) >= 0,
        () -> where + ": the startupProbe gives up after " + budget);
    // Liveness starts once start-up succeeded: a further delay would only leave a hung program
    // running longer.
    assertEquals(
        0,
        orDefault(liveness.getInitialDelaySeconds(), 0),
        () -> where + ": the livenessProbe's initialDelaySeconds");
  }

  private static int orDefault(Integer value, int kubernetesDefault) {
    return value == null ? kubernetesDefault : value;
  }
}
