package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The recorder (recorder.enabled): a second container of the agent's pods, off by default, with
 * exactly the host paths, privileges and API rules its seccomp source needs.
 */
class ChartRecorderTest {
  private static final String AGENT = RenderedChart.RELEASE + "-agent";
  private static final String RECORDER_ROLE = AGENT + "-recorder";
  private static final Path CI = RenderedChart.CHART.resolve("ci");
  private static final String MAIN = "dev.leastprivilege.recorder.RecorderMain";

  @Test
  void offByDefaultNothingOfTheRecorderIsRendered() {
    RenderedChart chart = RenderedChart.defaults();
    PodSpec pod = agentPod(chart);
    assertEquals(List.of("agent"), pod.getContainers().stream().map(Container::getName).toList());
    assertEquals(
        List.of("seccomp", "tmp"), pod.getVolumes().stream().map(Volume::getName).toList());
    assertTrue(
        chart.all(ClusterRole.class).stream()
            .noneMatch(r -> r.getMetadata().getName().equals(RECORDER_ROLE)));
    assertTrue(
        chart.all(ClusterRoleBinding.class).stream()
            .noneMatch(b -> b.getMetadata().getName().equals(RECORDER_ROLE)));
    assertFalse(chart.yaml.contains(MAIN));
  }

  @Test
  void kmsgRecorderRunsBesideTheAgentFromTheSameImagePrivileged() {
    RenderedChart chart = RenderedChart.render(CI.resolve("recorder-values.yaml"), Map.of());
    PodSpec pod = agentPod(chart);
    assertEquals(
        List.of("agent", "recorder"),
        pod.getContainers().stream().map(Container::getName).toList());
    Container agent = pod.getContainers().get(0);
    Container recorder = recorder(pod);
    assertEquals(
        "agent",
        chart
            .one(DaemonSet.class, AGENT)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("kubectl.kubernetes.io/default-container"),
        "kubectl logs without -c shows the agent");
    assertEquals(agent.getImage(), recorder.getImage());
    assertEquals(agent.getCommand(), recorder.getCommand());
    List<String> args = recorder.getArgs();
    assertEquals(MAIN, args.get(args.size() - 1));
    assertEquals("/opt/lpo/lpo-recorder.jar", args.get(args.size() - 2));
    assertTrue(args.contains("-Xmx64m"), args::toString);

    Map<String, String> env = env(recorder);
    assertEquals("10", env.get("LPO_RECORDER_REPORT_SECONDS"));
    assertEquals("/dev/kmsg", env.get("LPO_RECORDER_KMSG"));
    assertEquals("kmsg", env.get("LPO_RECORDER_SECCOMP_SOURCE"));
    assertEquals("8082", env.get("LPO_RECORDER_HEALTH_PORT"));
    assertEquals(8082, recorder.getPorts().get(0).getContainerPort());
    assertEquals("/healthz", recorder.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/readyz", recorder.getReadinessProbe().getHttpGet().getPath());
    assertFalse(env.containsKey("LPO_RECORDER_AUDIT_LOG"));
    assertEquals("/host/tracing", env.get("LPO_RECORDER_TRACEFS"));
    assertEquals("/host/proc", env.get("LPO_RECORDER_PROC"));
    assertTrue(
        recorder.getEnv().stream()
            .anyMatch(
                e ->
                    e.getName().equals("NODE_NAME")
                        && e.getValueFrom().getFieldRef().getFieldPath().equals("spec.nodeName")));

    // /dev/kmsg: only a privileged container may open the device.
    SecurityContext sc = recorder.getSecurityContext();
    assertEquals(Boolean.TRUE, sc.getPrivileged());
    assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem());
    // The agent beside it stays as locked down as without the recorder.
    assertEquals(Boolean.FALSE, agent.getSecurityContext().getPrivileged());
    assertEquals(List.of("ALL"), agent.getSecurityContext().getCapabilities().getDrop());
    assertEquals(
        List.of("seccomp", "tmp"),
        agent.getVolumeMounts().stream().map(VolumeMount::getName).toList());

    // Besides the agent's seccomp directory: the host's tracefs instances directory only (writable:
    // its own trace instance; never the tracefs root, whose kprobe_events and uprobe_events would
    // let it probe the kernel) and /proc (read-only), no device and no audit directory.
    assertEquals(
        Map.of(
            "seccomp",
            "/var/lib/kubelet/seccomp",
            "recorder-tracefs",
            "/sys/kernel/tracing",
            "recorder-proc",
            "/proc"),
        hostPaths(pod));
    assertEquals(
        Map.of(
            "recorder-tracefs", "/host/tracing/instances (instances) rw",
            "recorder-proc", "/host/proc ro",
            "recorder-tmp", "/tmp rw"),
        mounts(recorder));
    assertFalse(
        Boolean.TRUE.equals(pod.getHostPID()) || Boolean.TRUE.equals(pod.getHostNetwork()),
        "the host's processes through /proc only; no host network");
  }

  @Test
  void auditLogRecorderIsNotPrivilegedAndReadsOnlyTheLogDirectory() {
    RenderedChart chart =
        RenderedChart.render(CI.resolve("recorder-audit-log-values.yaml"), Map.of());
    PodSpec pod = agentPod(chart);
    Container recorder = recorder(pod);
    Map<String, String> env = env(recorder);
    assertEquals("/host/audit/audit.log", env.get("LPO_RECORDER_AUDIT_LOG"));
    assertEquals("audit-log", env.get("LPO_RECORDER_SECCOMP_SOURCE"));
    assertFalse(env.containsKey("LPO_RECORDER_KMSG"));
    SecurityContext sc = recorder.getSecurityContext();
    assertEquals(Boolean.FALSE, sc.getPrivileged());
    assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertTrue(
        sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(),
        "no capability added");
    assertEquals("RuntimeDefault", sc.getSeccompProfile().getType());
    // uid 0 from the pod: the owner of the log, of tracefs and of /proc/<pid>/cgroup.
    assertEquals(0L, pod.getSecurityContext().getRunAsUser());
    assertEquals("/var/log/audit", hostPaths(pod).get("recorder-audit"));
    assertEquals("/host/audit ro", mounts(recorder).get("recorder-audit"));
  }

  @Test
  void recorderValuesReachTheContainer() {
    RenderedChart chart =
        RenderedChart.render(
            null,
            Map.of(
                "recorder.enabled", "true",
                "recorder.reportSeconds", "3",
                "recorder.tracefsPath", "/sys/kernel/debug/tracing",
                "recorder.seccompSource", "auditLog",
                "recorder.auditLogPath", "/var/log/audit2/kernel.log",
                "agent.extraEnv[0].name", "KUBERNETES_SERVICE_HOST",
                "agent.extraEnv[0].value", "10.0.0.1"));
    PodSpec pod = agentPod(chart);
    Map<String, String> env = env(recorder(pod));
    assertEquals("3", env.get("LPO_RECORDER_REPORT_SECONDS"));
    assertEquals("/host/audit/kernel.log", env.get("LPO_RECORDER_AUDIT_LOG"));
    assertEquals("10.0.0.1", env.get("KUBERNETES_SERVICE_HOST"), "the agent's extraEnv too");
    assertEquals("/sys/kernel/debug/tracing", hostPaths(pod).get("recorder-tracefs"));
    assertEquals("/var/log/audit2", hostPaths(pod).get("recorder-audit"));
  }

  @Test
  void anUnknownSeccompSourceFailsWithTheValueNamed() {
    RuntimeException wrong =
        assertThrows(
            RuntimeException.class,
            () ->
                RenderedChart.render(
                    null,
                    Map.of("recorder.enabled", "true", "recorder.seccompSource", "journald")));
    assertTrue(
        wrong
            .getMessage()
            .contains("recorder.seccompSource must be kmsg or auditLog, not \"journald\""),
        wrong.getMessage());
  }

  @Test
  void theRecordersProbePortSharesThePodWithTheAgentsAndPassesItsNetworkPolicy() {
    RuntimeException same =
        assertThrows(
            RuntimeException.class,
            () ->
                RenderedChart.render(
                    null, Map.of("recorder.enabled", "true", "recorder.healthPort", "8081")));
    assertTrue(
        same.getMessage().contains("recorder.healthPort must differ from agent.healthPort"),
        same.getMessage());
    RenderedChart chart =
        RenderedChart.render(
            CI.resolve("monitoring-values.yaml"), Map.of("recorder.enabled", "true"));
    NetworkPolicy policy = chart.one(NetworkPolicy.class, AGENT);
    assertEquals(
        List.of(8081, 8082),
        policy.getSpec().getIngress().get(0).getPorts().stream()
            .map(p -> p.getPort().getIntVal())
            .toList());
    NetworkPolicy without =
        RenderedChart.render(CI.resolve("monitoring-values.yaml"), Map.of())
            .one(NetworkPolicy.class, AGENT);
    assertEquals(1, without.getSpec().getIngress().get(0).getPorts().size());
  }

  @Test
  void recorderRulesAreBoundToTheAgentAccountOnlyWhenEnabled() {
    RenderedChart chart = RenderedChart.render(CI.resolve("recorder-values.yaml"), Map.of());
    assertEquals(
        Set.of(
            // its node's pods, watched with fieldSelector spec.nodeName
            "core pods [list, watch]",
            // which files are Audit profiles', what Audit policies keep
            "leastprivilege.dev seccompprofiles,capabilitypolicies [get, list, watch]",
            // its Node's UID, for the report's owner reference
            "core nodes [get]",
            "leastprivilege.dev noderecordings,noderecordings/status [create, get, update, patch]"),
        ChartRbacTest.rules(chart.one(ClusterRole.class, RECORDER_ROLE).getRules()));
    ClusterRoleBinding binding = chart.one(ClusterRoleBinding.class, RECORDER_ROLE);
    assertEquals(RECORDER_ROLE, binding.getRoleRef().getName());
    assertEquals(1, binding.getSubjects().size());
    assertEquals(AGENT, binding.getSubjects().get(0).getName());
    assertEquals(RenderedChart.NAMESPACE, binding.getSubjects().get(0).getNamespace());
    assertEquals(AGENT, agentPod(chart).getServiceAccountName());
    // The agent's own rules do not grow with the recorder.
    assertEquals(
        ChartRbacTest.rules(RenderedChart.defaults().one(ClusterRole.class, AGENT).getRules()),
        ChartRbacTest.rules(chart.one(ClusterRole.class, AGENT).getRules()));
  }

  private static PodSpec agentPod(RenderedChart chart) {
    return chart.one(DaemonSet.class, AGENT).getSpec().getTemplate().getSpec();
  }

  private static Container recorder(PodSpec pod) {
    return pod.getContainers().stream()
        .filter(c -> c.getName().equals("recorder"))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue, (a, b) -> b, TreeMap::new));
  }

  private static Map<String, String> hostPaths(PodSpec pod) {
    return pod.getVolumes().stream()
        .filter(v -> v.getHostPath() != null)
        .collect(Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
  }

  private static Map<String, String> mounts(Container c) {
    return c.getVolumeMounts().stream()
        .collect(
            Collectors.toMap(
                VolumeMount::getName,
                m ->
                    m.getMountPath()
                        + (m.getSubPath() == null ? "" : " (" + m.getSubPath() + ")")
                        + (Boolean.TRUE.equals(m.getReadOnly()) ? " ro" : " rw")));
  }
}
