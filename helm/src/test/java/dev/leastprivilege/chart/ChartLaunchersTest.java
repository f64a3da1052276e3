package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every program the chart runs starts from its own launcher in the image (its module's jar under
 * /opt/lpo, whose manifest names the jars it ships with), never from lpo.jar, the CLI that carries
 * lpo local's mock API server. The image module's LaunchersIT starts each of these from the image's
 * layout.
 */
class ChartLaunchersTest {
  /** Main class → launcher: the module that holds it (image/layout.sh, docs/install.md). */
  private static final Map<String, String> LAUNCHERS =
      Map.of(
          "dev.leastprivilege.controller.OperatorMain", "/opt/lpo/lpo-controller.jar",
          "dev.leastprivilege.controller.WebhookMain", "/opt/lpo/lpo-controller.jar",
          "dev.leastprivilege.controller.UninstallMain", "/opt/lpo/lpo-controller.jar",
          "dev.leastprivilege.agent.AgentMain", "/opt/lpo/lpo-agent.jar",
          "dev.leastprivilege.recorder.RecorderMain", "/opt/lpo/lpo-recorder.jar");

  @Test
  void everyProgramRunsFromItsOwnLauncher() {
    RenderedChart chart =
        RenderedChart.withHooks(RenderedChart.CHART.resolve("ci/recorder-values.yaml"), Map.of());
    Map<String, String> seen = new TreeMap<>();
    for (HasMetadata object : chart.objects) {
      for (Container c : containers(object)) {
        String where = object.getKind() + " " + object.getMetadata().getName() + " " + c.getName();
        assertEquals(List.of("/opt/lpo/jre/bin/java"), c.getCommand(), where);
        List<String> args = c.getArgs();
        String main = args.get(args.size() - 1);
        assertTrue(LAUNCHERS.containsKey(main), () -> where + " runs an unknown main: " + args);
        assertEquals(
            List.of("-cp", LAUNCHERS.get(main)),
            args.subList(args.size() - 3, args.size() - 1),
            where);
        assertFalse(String.join(" ", args).contains("lpo.jar"), where + ": " + args);
        seen.put(main, where);
      }
    }
    assertEquals(LAUNCHERS.keySet(), seen.keySet(), "every program, once at least: " + seen);
  }

  private static List<Container> containers(HasMetadata object) {
    PodSpec pod = null;
    if (object instanceof Deployment d) {
      pod = d.getSpec().getTemplate().getSpec();
    } else if (object instanceof DaemonSet d) {
      pod = d.getSpec().getTemplate().getSpec();
    } else if (object instanceof Job j) {
      pod = j.getSpec().getTemplate().getSpec();
    }
    return pod == null ? List.of() : pod.getContainers();
  }
}
