package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Least privilege for the product itself: each account gets exactly the rules listed here, and no
 * more.
 */
class ChartRbacTest {
  private static final String OPERATOR = RenderedChart.RELEASE;
  private static final String AGENT = RenderedChart.RELEASE + "-agent";
  private static final String WEBHOOK = RenderedChart.RELEASE + "-webhook";
  private final RenderedChart chart = RenderedChart.defaults();

  @Test
  void agentReadsConfigMapsInTheReleaseNamespaceAndWritesOnlyNodeReports() {
    Role role = chart.one(Role.class, AGENT);
    assertEquals(RenderedChart.NAMESPACE, role.getMetadata().getNamespace());
    assertEquals(Set.of("core configmaps [get, list, watch]"), rules(role.getRules()));
    assertEquals(
        Set.of(
            // created once, then one merge patch of its status per report; read and replaced once
            // at start when its Node does not own it
            "leastprivilege.dev nodeprofilestatuses [create, get, delete]",
            "leastprivilege.dev nodeprofilestatuses/status [patch]",
            // its own Node's UID, for the report's owner reference: get only, no list or watch
            "core nodes [get]",
            // at start-up, for a file no ConfigMap names: is its profile still there?
            "leastprivilege.dev seccompprofiles [list]"),
        rules(chart.one(ClusterRole.class, AGENT).getRules()));
    assertBoundOnlyTo(AGENT);
  }

  @Test
  void operatorGetsExactlyWhatItsReconcilersCall() {
    assertEquals(
        Set.of(
            "leastprivilege.dev seccompprofiles,capabilitypolicies [get, list, watch, patch, update]",
            "leastprivilege.dev seccompprofiles/status,capabilitypolicies/status [get, patch, update]",
            "leastprivilege.dev seccompprofiles/finalizers,capabilitypolicies/finalizers [update]",
            // recordings: status only; their recording profiles and results are created, and
            // the recording profile deleted when the recording ends
            "leastprivilege.dev profilerecordings [get, list, watch]",
            "leastprivilege.dev profilerecordings/status [get, patch, update]",
            "leastprivilege.dev seccompprofiles,capabilitypolicies [create, delete]",
            "leastprivilege.dev noderecordings [get, list, watch]",
            // delete: the reports of nodes that are gone
            "leastprivilege.dev nodeprofilestatuses [get, list, watch, delete]",
            "core nodes,pods,namespaces [get, list, watch]",
            // the label leastprivilege.dev/has-policies, which scopes the webhook
            "core namespaces [patch]",
            "core events [create, patch]",
            "apps replicasets [get]"),
        rules(chart.one(ClusterRole.class, OPERATOR).getRules()));
    Role role = chart.one(Role.class, OPERATOR);
    assertEquals(RenderedChart.NAMESPACE, role.getMetadata().getNamespace());
    // No Secret and no webhook configuration: the webhook, with its certificate, runs elsewhere.
    assertEquals(
        Set.of(
            "core configmaps [get, list, watch, create, update, patch, delete]",
            "coordination.k8s.io leases [create]",
            "coordination.k8s.io leases [get, update, patch] names=[least-privilege-operator]"),
        rules(role.getRules()));
    assertBoundOnlyTo(OPERATOR);
  }

  @Test
  void webhookReadsWhatItsCachesHoldAndWritesOnlyItsCertificate() {
    assertEquals(
        Set.of(
            "leastprivilege.dev seccompprofiles,capabilitypolicies [list, watch]",
            "leastprivilege.dev profilerecordings [list, watch]",
            "core namespaces [list, watch]",
            "core pods [get]",
            "admissionregistration.k8s.io mutatingwebhookconfigurations [get, patch, update] names=["
                + OPERATOR
                + "]"),
        rules(chart.one(ClusterRole.class, WEBHOOK).getRules()));
    Role role = chart.one(Role.class, WEBHOOK);
    assertEquals(RenderedChart.NAMESPACE, role.getMetadata().getNamespace());
    assertEquals(
        Set.of(
            "core secrets [create]",
            "core secrets [get, update] names=[" + OPERATOR + "-webhook-tls]"),
        rules(role.getRules()));
    assertBoundOnlyTo(WEBHOOK);
    assertEquals(
        WEBHOOK,
        chart
            .one(io.fabric8.kubernetes.api.model.ServiceAccount.class, WEBHOOK)
            .getMetadata()
            .getName());
  }

  @Test
  void withCertManagerTheWebhookTouchesNeitherSecretsNorTheCaBundle() {
    RenderedChart certManager =
        RenderedChart.render(
            RenderedChart.CHART.resolve("ci").resolve("cert-manager-values.yaml"),
            java.util.Map.of());
    assertEquals(
        Set.of(
            "leastprivilege.dev seccompprofiles,capabilitypolicies [list, watch]",
            "leastprivilege.dev profilerecordings [list, watch]",
            "core namespaces [list, watch]",
            "core pods [get]"),
        rules(certManager.one(ClusterRole.class, WEBHOOK).getRules()));
    assertTrue(
        certManager.all(Role.class).stream()
            .noneMatch(r -> r.getMetadata().getName().equals(WEBHOOK)));
  }

  @Test
  void workloadsArePatchableOnlyWhenRestartsAreEnabledAndTheOperatorIsToldSo() {
    String apps = "apps deployments,statefulsets,daemonsets [get, patch]";
    assertTrue(
        rules(chart.one(ClusterRole.class, OPERATOR).getRules()).stream()
            .noneMatch(r -> r.contains("deployments")),
        "by default the operator may not read or patch any workload");
    assertEquals("false", restartEnv(chart));
    RenderedChart enabled = RenderedChart.render(null, Map.of("operator.restartWorkloads", "true"));
    Set<String> rules = rules(enabled.one(ClusterRole.class, OPERATOR).getRules());
    assertTrue(rules.contains(apps), rules::toString);
    assertTrue(rules.contains("apps replicasets [get]"), rules::toString);
    assertEquals("true", restartEnv(enabled));
  }

  /** LPO_RESTART_WORKLOADS of the operator's container: what it believes it may do. */
  private static String restartEnv(RenderedChart chart) {
    return chart
        .one(Deployment.class, OPERATOR)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .stream()
        .flatMap(c -> c.getEnv().stream())
        .filter(e -> e.getName().equals("LPO_RESTART_WORKLOADS"))
        .map(EnvVar::getValue)
        .findFirst()
        .orElse(null);
  }

  @Test
  void noWildcardsAndNoSecretsOutsideTheReleaseNamespace() {
    for (ClusterRole role : chart.all(ClusterRole.class)) {
      for (PolicyRule rule : role.getRules()) {
        assertTrue(
            !rule.getVerbs().contains("*")
                && !rule.getResources().contains("*")
                && !rule.getApiGroups().contains("*"),
            role.getMetadata().getName() + ": " + rule);
        assertTrue(
            !rule.getResources().contains("secrets"), role.getMetadata().getName() + ": " + rule);
      }
    }
  }

  private void assertBoundOnlyTo(String account) {
    ClusterRoleBinding cluster = chart.one(ClusterRoleBinding.class, account);
    RoleBinding local = chart.one(RoleBinding.class, account);
    for (var subjects : List.of(cluster.getSubjects(), local.getSubjects())) {
      assertEquals(1, subjects.size());
      assertEquals("ServiceAccount", subjects.get(0).getKind());
      assertEquals(account, subjects.get(0).getName());
      assertEquals(RenderedChart.NAMESPACE, subjects.get(0).getNamespace());
    }
    assertEquals(account, cluster.getRoleRef().getName());
    assertEquals(account, local.getRoleRef().getName());
  }

  static Set<String> rules(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      String groups =
          String.join(",", r.getApiGroups().stream().map(g -> g.isEmpty() ? "core" : g).toList());
      String names =
          r.getResourceNames() == null || r.getResourceNames().isEmpty()
              ? ""
              : " names=" + r.getResourceNames();
      out.add(groups + " " + String.join(",", r.getResources()) + " " + r.getVerbs() + names);
    }
    return out;
  }
}
