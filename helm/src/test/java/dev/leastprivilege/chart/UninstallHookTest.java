package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The pre-delete hook that lets `helm uninstall` leave nothing stuck (docs/install.md, Uninstall):
 * a Job with a deadline, and an account whose permissions exist only while it runs.
 */
class UninstallHookTest {
  private static final String NAME = RenderedChart.RELEASE + "-uninstall";
  private final RenderedChart chart = RenderedChart.withHooks(null, Map.of());

  @Test
  void aPreDeleteJobRunsTheUninstallEntryPointWithinADeadline() {
    Job job = chart.one(Job.class, NAME);
    Map<String, String> annotations = RenderedChart.hookAnnotations(job);
    assertEquals("pre-delete", annotations.get("helm.sh/hook"));
    assertEquals(
        Set.of("before-hook-creation", "hook-succeeded"),
        Set.of(annotations.get("helm.sh/hook-delete-policy").split(",")),
        "replaced by the next attempt, deleted once it succeeded; a failed one stays for its log");
    assertEquals(180L, job.getSpec().getActiveDeadlineSeconds());
    assertEquals(1, job.getSpec().getBackoffLimit());
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertEquals("Never", pod.getRestartPolicy());
    assertEquals(NAME, pod.getServiceAccountName());
    Container c = pod.getContainers().get(0);
    assertEquals(
        "dev.leastprivilege.controller.UninstallMain", c.getArgs().get(c.getArgs().size() - 1));
    assertEquals(
        chart
            .one(Deployment.class, RenderedChart.RELEASE)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getImage(),
        c.getImage(),
        "the product's one image");
    assertEquals(
        "160", env(c).get("LPO_UNINSTALL_TIMEOUT_SECONDS"), "its own deadline comes first");
  }

  @Test
  void theJobRunsLockedDownLikeTheProgramsItStops() {
    PodSpec pod = chart.one(Job.class, NAME).getSpec().getTemplate().getSpec();
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem());
    assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation());
    assertEquals(Boolean.FALSE, sc.getPrivileged());
    assertTrue(pod.getVolumes().stream().allMatch(v -> v.getEmptyDir() != null), "scratch only");
  }

  @Test
  void itFindsEveryDeploymentAndDaemonSetOfTheReleaseByLabelAndItsWebhookConfigurationByName() {
    Map<String, String> env =
        env(chart.one(Job.class, NAME).getSpec().getTemplate().getSpec().getContainers().get(0));
    Map<String, String> selector =
        Arrays.stream(env.get("LPO_RELEASE_SELECTOR").split(","))
            .map(kv -> kv.split("=", 2))
            .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
    List<HasMetadata> workloads =
        chart.objects.stream()
            .filter(o -> o instanceof Deployment || o instanceof DaemonSet)
            .toList();
    assertFalse(workloads.isEmpty());
    for (HasMetadata w : workloads) {
      assertTrue(
          w.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()),
          () -> w.getKind() + " " + w.getMetadata().getName() + " is not selected by " + selector);
    }
    assertEquals(RenderedChart.NAMESPACE, env.get("LPO_NAMESPACE"));
    assertEquals(
        chart.all(MutatingWebhookConfiguration.class).get(0).getMetadata().getName(),
        env.get("LPO_WEBHOOK_CONFIGURATION"));
    assertEquals(RenderedChart.RELEASE + "-webhook-tls", env.get("LPO_WEBHOOK_SECRET"));
  }

  @Test
  void itsAccountRolesAndBindingsAreHooksCreatedBeforeTheJobAndDeletedWithIt() {
    int jobWeight = weight(chart.one(Job.class, NAME));
    List<HasMetadata> rbac =
        List.of(
            chart.one(ServiceAccount.class, NAME),
            chart.one(ClusterRole.class, NAME),
            chart.one(ClusterRoleBinding.class, NAME),
            chart.one(Role.class, NAME),
            chart.one(RoleBinding.class, NAME));
    for (HasMetadata o : rbac) {
      Map<String, String> annotations = RenderedChart.hookAnnotations(o);
      assertEquals("pre-delete", annotations.get("helm.sh/hook"), o.getKind());
      assertTrue(weight(o) < jobWeight, o.getKind() + " must exist before the Job starts");
      assertEquals(
          Set.of("before-hook-creation", "hook-succeeded"),
          Set.of(annotations.get("helm.sh/hook-delete-policy").split(",")),
          o.getKind());
      assertEquals("uninstall", o.getMetadata().getLabels().get("app.kubernetes.io/component"));
    }
    Subject account = new Subject(null, "ServiceAccount", NAME, RenderedChart.NAMESPACE);
    assertEquals(List.of(account), chart.one(ClusterRoleBinding.class, NAME).getSubjects());
    assertEquals(List.of(account), chart.one(RoleBinding.class, NAME).getSubjects());
    assertEquals(NAME, chart.one(ClusterRoleBinding.class, NAME).getRoleRef().getName());
    assertEquals(NAME, chart.one(RoleBinding.class, NAME).getRoleRef().getName());
  }

  @Test
  void itGetsExactlyWhatTheUninstallCalls() {
    assertEquals(
        Set.of(
            "leastprivilege.dev seccompprofiles,capabilitypolicies [get, list, patch]",
            "core namespaces [get, list, patch]",
            "admissionregistration.k8s.io mutatingwebhookconfigurations [delete] names=["
                + RenderedChart.RELEASE
                + "]"),
        ChartRbacTest.rules(chart.one(ClusterRole.class, NAME).getRules()));
    Role role = chart.one(Role.class, NAME);
    assertEquals(RenderedChart.NAMESPACE, role.getMetadata().getNamespace());
    assertEquals(
        Set.of(
            "apps deployments [list]",
            "apps deployments/scale [get, update]",
            "apps daemonsets [list, delete]",
            "core pods [list]",
            "core configmaps [list, delete]",
            "coordination.k8s.io leases [delete] names=[least-privilege-operator]",
            "core secrets [delete] names=[" + RenderedChart.RELEASE + "-webhook-tls]"),
        ChartRbacTest.rules(role.getRules()));

    RenderedChart certManager =
        RenderedChart.withHooks(
            RenderedChart.CHART.resolve("ci/cert-manager-values.yaml"), Map.of());
    assertTrue(
        certManager.one(Role.class, NAME).getRules().stream()
            .noneMatch(r -> r.getResources().contains("secrets")),
        "cert-manager owns the Secret then");
  }

  @Test
  void theHookCanBeLeftOutAndItsDeadlineCannotBeTooShort() {
    RenderedChart without =
        RenderedChart.withHooks(null, Map.of("uninstall.hook.enabled", "false"));
    assertTrue(without.all(Job.class).isEmpty());
    assertTrue(
        without.objects.stream().noneMatch(o -> o.getMetadata().getName().equals(NAME)),
        "no account or role either");
    Exception tooShort =
        assertThrows(
            Exception.class,
            () -> RenderedChart.withHooks(null, Map.of("uninstall.hook.timeoutSeconds", "30")));
    assertTrue(tooShort.getMessage().contains("at least 60"), tooShort.getMessage());
  }

  @Test
  void itCallsTheApiServerWhereTheOperatorDoes() {
    RenderedChart chart =
        RenderedChart.withHooks(
            RenderedChart.CHART.resolve("ci/node-address-values.yaml"), Map.of());
    Map<String, String> env =
        env(chart.one(Job.class, NAME).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertEquals("192.0.2.10", env.get("KUBERNETES_SERVICE_HOST"));
  }

  private static int weight(HasMetadata o) {
    return Integer.parseInt(
        RenderedChart.hookAnnotations(o).getOrDefault("helm.sh/hook-weight", "0"));
  }

  private static Map<String, String> env(Container c) {
    return c.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }
}
