package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.certmanager.api.model.v1.Certificate;
import io.fabric8.certmanager.api.model.v1.Issuer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The security settings the chart promises, read off the rendered objects. */
class ChartSecurityTest {
  private static final String RELEASE = RenderedChart.RELEASE;
  private static final Path CI = RenderedChart.CHART.resolve("ci");

  @Test
  void agentRunsOnEveryNodeAsSystemNodeCritical() {
    PodSpec agent = agent(RenderedChart.defaults());
    assertEquals("system-node-critical", agent.getPriorityClassName());
    assertEquals(
        List.of(new Toleration(null, null, "Exists", null, null)),
        agent.getTolerations(),
        "one toleration with operator Exists and no key tolerates every taint");
    assertTrue(agent.getNodeSelector() == null || agent.getNodeSelector().isEmpty());
  }

  @Test
  void agentMountsOnlyTheSeccompDirectoryOfTheHost() {
    PodSpec agent = agent(RenderedChart.defaults());
    List<Volume> hostPaths =
        agent.getVolumes().stream().filter(v -> v.getHostPath() != null).toList();
    assertEquals(1, hostPaths.size());
    assertEquals("/var/lib/kubelet/seccomp", hostPaths.get(0).getHostPath().getPath());
    assertTrue(
        agent.getVolumes().stream()
            .allMatch(v -> v.getHostPath() != null || v.getEmptyDir() != null),
        "besides the seccomp directory, only scratch space");
    assertFalse(
        Boolean.TRUE.equals(agent.getHostNetwork())
            || Boolean.TRUE.equals(agent.getHostPID())
            || Boolean.TRUE.equals(agent.getHostIPC()));

    PodSpec k0s = agent(RenderedChart.render(CI.resolve("k0s-values.yaml"), Map.of()));
    assertEquals(
        "/var/lib/k0s/kubelet/seccomp",
        k0s.getVolumes().stream()
            .filter(v -> v.getHostPath() != null)
            .findFirst()
            .orElseThrow()
            .getHostPath()
            .getPath());
    assertEquals("Localhost", k0s.getSecurityContext().getSeccompProfile().getType());
    assertEquals(
        "leastprivilege/least-privilege-system/agent.json",
        k0s.getSecurityContext().getSeccompProfile().getLocalhostProfile());
  }

  @Test
  void everyProgramRunsLockedDown() {
    RenderedChart chart = RenderedChart.defaults();
    for (PodSpec pod : List.of(agent(chart), operator(chart), webhookPods(chart))) {
      assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
      Container c = pod.getContainers().get(0);
      SecurityContext sc = c.getSecurityContext();
      assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), c.getName());
      assertTrue(sc.getCapabilities().getAdd().isEmpty(), c.getName());
      assertEquals(Boolean.TRUE, sc.getReadOnlyRootFilesystem(), c.getName());
      assertEquals(Boolean.FALSE, sc.getAllowPrivilegeEscalation(), c.getName());
      assertEquals(Boolean.FALSE, sc.getPrivileged(), c.getName());
    }
    assertEquals(Boolean.TRUE, operator(chart).getSecurityContext().getRunAsNonRoot());
    assertEquals(Boolean.TRUE, webhookPods(chart).getSecurityContext().getRunAsNonRoot());
  }

  @Test
  void agentJvmIsSizedFromTheMeasuredFootprint() {
    Container agent = agent(RenderedChart.defaults()).getContainers().get(0);
    List<String> args = agent.getArgs();
    assertTrue(
        args.containsAll(List.of("-XX:+UseSerialGC", "-Xmx64m", "-XX:MaxMetaspaceSize=64m")),
        args::toString);
    assertEquals("dev.leastprivilege.agent.AgentMain", args.get(args.size() - 1));
    // docs/performance.md, on the image's runtime with these options: 58.4 MiB resident with
    // 1,000 profiles (the request covers it), 74.4 MiB with 20,000; the limit holds the whole
    // 64 MiB heap on top of the rest of the process (about 57 MiB).
    long limit =
        Quantity.getAmountInBytes(agent.getResources().getLimits().get("memory")).longValue();
    long request =
        Quantity.getAmountInBytes(agent.getResources().getRequests().get("memory")).longValue();
    assertTrue(
        request >= 59L << 20 && limit >= (64L + 57) << 20 && limit <= 256L << 20,
        request + " / " + limit);
    assertTrue(env(agent).contains(new EnvVar("MALLOC_ARENA_MAX", "2", null)));
  }

  @Test
  void operatorHasTwoReplicasWithLeaderElectionAndNoWebhook() {
    RenderedChart chart = RenderedChart.defaults();
    Deployment operator = chart.one(Deployment.class, RELEASE);
    assertEquals(2, operator.getSpec().getReplicas());
    Container c = operator.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertTrue(env(c).contains(new EnvVar("LPO_LEADER_ELECTION", "true", null)));
    assertEquals(
        "dev.leastprivilege.controller.OperatorMain", c.getArgs().get(c.getArgs().size() - 1));
    assertEquals(List.of("http"), c.getPorts().stream().map(p -> p.getName()).toList());
    assertTrue(
        env(c).stream().noneMatch(e -> e.getName().startsWith("LPO_WEBHOOK_")),
        "the operator's pods serve no webhook");
    assertEquals(
        List.of("tmp"),
        operator.getSpec().getTemplate().getSpec().getVolumes().stream()
            .map(v -> v.getName())
            .toList());
  }

  @Test
  void webhookRunsInItsOwnDeploymentWithoutLeaderElectionAndWithADisruptionBudget() {
    RenderedChart chart = RenderedChart.defaults();
    Deployment webhook = chart.one(Deployment.class, RELEASE + "-webhook");
    assertEquals(2, webhook.getSpec().getReplicas());
    PodSpec pod = webhook.getSpec().getTemplate().getSpec();
    assertEquals(RELEASE + "-webhook", pod.getServiceAccountName());
    Container c = pod.getContainers().get(0);
    assertEquals(
        "dev.leastprivilege.controller.WebhookMain", c.getArgs().get(c.getArgs().size() - 1));
    assertTrue(env(c).stream().noneMatch(e -> e.getName().equals("LPO_LEADER_ELECTION")));
    assertTrue(env(c).contains(new EnvVar("HEALTH_PORT", "8082", null)));
    assertTrue(env(c).contains(new EnvVar("LPO_WEBHOOK_MAX_UNWATCHED_SECONDS", "300", null)));
    assertTrue(env(c).contains(new EnvVar("LPO_WEBHOOK_WARMUP_SECONDS", "20", null)));
    assertEquals(
        List.of("webhook:9443", "http:8082"),
        c.getPorts().stream().map(p -> p.getName() + ":" + p.getContainerPort()).toList());
    assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
    // The Service and the budget are the webhook pods'.
    var service = chart.one(io.fabric8.kubernetes.api.model.Service.class, RELEASE + "-webhook");
    assertEquals(webhook.getSpec().getSelector().getMatchLabels(), service.getSpec().getSelector());
    assertEquals("webhook", service.getSpec().getSelector().get("app.kubernetes.io/component"));
    PodDisruptionBudget pdb = chart.one(PodDisruptionBudget.class, RELEASE + "-webhook");
    assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal());
    assertEquals(
        webhook.getSpec().getSelector().getMatchLabels(),
        pdb.getSpec().getSelector().getMatchLabels());
    assertEquals(1, chart.all(PodDisruptionBudget.class).size(), "none for the operator");
    assertEquals(
        webhook.getSpec().getSelector().getMatchLabels(),
        pod.getAffinity()
            .getPodAntiAffinity()
            .getPreferredDuringSchedulingIgnoredDuringExecution()
            .get(0)
            .getPodAffinityTerm()
            .getLabelSelector()
            .getMatchLabels(),
        "replicas spread over nodes");
  }

  @Test
  void aWebhookRestartedDuringAnApiOutageServesTheMountedSecret() {
    PodSpec pod = webhookPods(RenderedChart.defaults());
    String secret = RELEASE + "-webhook-tls";
    var volume =
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("webhook-tls"))
            .findFirst()
            .orElseThrow();
    assertEquals(secret, volume.getSecret().getSecretName());
    assertEquals(
        Boolean.TRUE, volume.getSecret().getOptional(), "absent until the webhook writes it");
    assertEquals(
        List.of("tls.crt", "tls.key"),
        volume.getSecret().getItems().stream().map(i -> i.getKey()).toList(),
        "the serving pair only, never the CA's key");
    Container c = pod.getContainers().get(0);
    var mount =
        c.getVolumeMounts().stream()
            .filter(m -> m.getName().equals("webhook-tls"))
            .findFirst()
            .orElseThrow();
    assertEquals(Boolean.TRUE, mount.getReadOnly());
    assertTrue(
        env(c).contains(new EnvVar("LPO_WEBHOOK_MOUNTED_SECRET_DIR", mount.getMountPath(), null)));
    assertTrue(env(c).stream().noneMatch(e -> e.getName().equals("LPO_WEBHOOK_CERT_DIR")));
  }

  @Test
  void webhookHandlesPodCreateAndEphemeralContainersAndSkipsSystemNamespaces() {
    MutatingWebhook hook = webhook(RenderedChart.defaults());
    assertEquals(2, hook.getRules().size());
    assertEquals(List.of("CREATE"), hook.getRules().get(0).getOperations());
    assertEquals(List.of("pods"), hook.getRules().get(0).getResources());
    assertEquals(List.of(""), hook.getRules().get(0).getApiGroups());
    // kubectl debug adds containers to a running pod through this subresource.
    assertEquals(List.of("UPDATE"), hook.getRules().get(1).getOperations());
    assertEquals(List.of("pods/ephemeralcontainers"), hook.getRules().get(1).getResources());
    // A later webhook's container or capability is seen too.
    assertEquals("IfNeeded", hook.getReinvocationPolicy());
    assertEquals("None", hook.getSideEffects());
    List<LabelSelectorRequirement> exprs = hook.getNamespaceSelector().getMatchExpressions();
    assertTrue(
        exprs.contains(
            new LabelSelectorRequirement("leastprivilege.dev/ignore", "NotIn", List.of("true"))));
    assertTrue(
        exprs.contains(
            new LabelSelectorRequirement(
                "kubernetes.io/metadata.name",
                "NotIn",
                List.of("kube-system", RenderedChart.NAMESPACE))));
    assertEquals("Fail", hook.getFailurePolicy());
    assertEquals(5, hook.getTimeoutSeconds());
    assertEquals(RELEASE + "-webhook", hook.getClientConfig().getService().getName());

    MutatingWebhook relaxed =
        webhook(RenderedChart.render(CI.resolve("audit-rollout-values.yaml"), Map.of()));
    assertEquals("Ignore", relaxed.getFailurePolicy());
    assertEquals(2, relaxed.getTimeoutSeconds());
  }

  @Test
  void caBundleIsSelfManagedByDefault() {
    RenderedChart chart = RenderedChart.defaults();
    MutatingWebhookConfiguration config = chart.one(MutatingWebhookConfiguration.class, RELEASE);
    assertTrue(config.getMetadata().getAnnotations().isEmpty());
    assertNull(webhook(chart).getClientConfig().getCaBundle(), "the operator writes it");
    List<String> envNames =
        env(webhookPods(chart).getContainers().get(0)).stream().map(EnvVar::getName).toList();
    assertFalse(
        envNames.contains("LPO_WEBHOOK_CERT_DIR"), "no cert dir: the webhook runs its own CA");
    assertTrue(envNames.contains("LPO_WEBHOOK_CONFIGURATION"));
    assertTrue(chart.all(Certificate.class).isEmpty());
    assertTrue(
        chart.one(Role.class, RELEASE + "-webhook").getRules().stream()
            .anyMatch(r -> r.getResources().contains("secrets")));
  }

  @Test
  void caBundleCanComeFromCertManager() {
    RenderedChart chart = RenderedChart.render(CI.resolve("cert-manager-values.yaml"), Map.of());
    MutatingWebhookConfiguration config = chart.one(MutatingWebhookConfiguration.class, RELEASE);
    String secret = RELEASE + "-webhook-tls";
    Certificate cert = chart.one(Certificate.class, secret);
    assertEquals(secret, cert.getSpec().getSecretName());
    assertTrue(
        cert.getSpec()
            .getDnsNames()
            .contains(RELEASE + "-webhook." + RenderedChart.NAMESPACE + ".svc"));

    // The chain: self-signed Issuer -> CA Certificate -> CA Issuer -> serving Certificate.
    String caName = RELEASE + "-webhook-ca";
    Issuer selfSigned = chart.one(Issuer.class, RELEASE + "-selfsigned");
    assertNotNull(selfSigned.getSpec().getSelfSigned());
    Certificate ca = chart.one(Certificate.class, caName);
    assertEquals(Boolean.TRUE, ca.getSpec().getIsCA());
    assertEquals(caName, ca.getSpec().getSecretName());
    assertEquals(RELEASE + "-selfsigned", ca.getSpec().getIssuerRef().getName());
    assertEquals("Issuer", ca.getSpec().getIssuerRef().getKind());
    assertEquals("87600h", ca.getSpec().getDuration().getDuration().toHours() + "h");
    assertEquals(
        "Never",
        ca.getSpec().getPrivateKey().getRotationPolicy(),
        "a renewed CA keeps its key, so certificates it signed before still chain to it");
    Issuer caIssuer = chart.one(Issuer.class, caName);
    assertEquals(caName, caIssuer.getSpec().getCa().getSecretName());
    assertNull(caIssuer.getSpec().getSelfSigned());
    assertEquals(caName, cert.getSpec().getIssuerRef().getName());
    assertEquals("Issuer", cert.getSpec().getIssuerRef().getKind());
    assertNotEquals(Boolean.TRUE, cert.getSpec().getIsCA());
    assertEquals(2, chart.all(Issuer.class).size());
    assertEquals(2, chart.all(Certificate.class).size());
    // The API server trusts the CA (ca.crt of the CA Certificate's Secret), which a renewal of the
    // serving certificate does not change.
    assertEquals(
        RenderedChart.NAMESPACE + "/" + caName,
        config.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));
    PodSpec webhook = webhookPods(chart);
    assertTrue(
        env(webhook.getContainers().get(0))
            .contains(new EnvVar("LPO_WEBHOOK_CERT_DIR", "/etc/lpo/webhook-tls", null)));
    var volume =
        webhook.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow();
    assertEquals(secret, volume.getSecret().getSecretName());
    assertTrue(
        volume.getSecret().getItems() == null || volume.getSecret().getItems().isEmpty(),
        "cert-manager's Secret, mounted whole");
    assertTrue(
        chart.all(Role.class).stream()
            .flatMap(r -> r.getRules().stream())
            .noneMatch(r -> r.getResources().contains("secrets")),
        "with cert-manager no account needs Secret access");

    RenderedChart withIssuer =
        RenderedChart.render(CI.resolve("cert-manager-issuer-values.yaml"), Map.of());
    Certificate fromIssuer = withIssuer.one(Certificate.class, secret);
    assertEquals("company-ca", fromIssuer.getSpec().getIssuerRef().getName());
    assertEquals("ClusterIssuer", fromIssuer.getSpec().getIssuerRef().getKind());
    assertTrue(withIssuer.all(Issuer.class).isEmpty(), "your issuer signs: no chain of our own");
    assertEquals(List.of(fromIssuer), withIssuer.all(Certificate.class));
    // ca.crt of the serving Certificate's Secret is your issuer's CA.
    assertEquals(
        RenderedChart.NAMESPACE + "/" + secret,
        withIssuer
            .one(MutatingWebhookConfiguration.class, RELEASE)
            .getMetadata()
            .getAnnotations()
            .get("cert-manager.io/inject-ca-from"));
  }

  @Test
  void webhookCanBeCalledAtTheNodeAddress() {
    RenderedChart chart = RenderedChart.render(CI.resolve("node-address-values.yaml"), Map.of());
    MutatingWebhook hook = webhook(chart);
    assertEquals("https://192.0.2.10:9443/mutate-pods", hook.getClientConfig().getUrl());
    assertNull(hook.getClientConfig().getService());
    PodSpec operator = operator(chart);
    PodSpec webhook = webhookPods(chart);
    assertEquals(Boolean.TRUE, operator.getHostNetwork());
    assertEquals(Boolean.TRUE, webhook.getHostNetwork());
    assertEquals(1, chart.one(Deployment.class, RELEASE + "-webhook").getSpec().getReplicas());
    assertTrue(
        chart.all(PodDisruptionBudget.class).isEmpty(), "one replica: no budget to block a drain");
    assertTrue(
        env(webhook.getContainers().get(0))
            .contains(new EnvVar("LPO_WEBHOOK_IPS", "192.0.2.10", null)));
    // Two programs on one node's host network: no port in common.
    List<Integer> operatorPorts =
        operator.getContainers().get(0).getPorts().stream().map(p -> p.getContainerPort()).toList();
    assertTrue(
        webhook.getContainers().get(0).getPorts().stream()
            .noneMatch(p -> operatorPorts.contains(p.getContainerPort())),
        "host ports differ");
    for (PodSpec pod : List.of(operator, webhook, agent(chart))) {
      assertTrue(
          env(pod.getContainers().get(0))
              .contains(new EnvVar("KUBERNETES_SERVICE_HOST", "192.0.2.10", null)));
    }
  }

  @Test
  void optionalServiceMonitorAndNetworkPolicies() {
    RenderedChart defaults = RenderedChart.defaults();
    assertTrue(
        defaults.all(ServiceMonitor.class).isEmpty()
            && defaults.all(NetworkPolicy.class).isEmpty());
    RenderedChart chart = RenderedChart.render(CI.resolve("monitoring-values.yaml"), Map.of());
    ServiceMonitor monitor = chart.one(ServiceMonitor.class, RELEASE);
    assertEquals("/metrics", monitor.getSpec().getEndpoints().get(0).getPath());
    assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
    var metrics = chart.one(io.fabric8.kubernetes.api.model.Service.class, RELEASE + "-metrics");
    assertTrue(
        metrics
            .getMetadata()
            .getLabels()
            .entrySet()
            .containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet()),
        "the monitor selects it");
    var webhookMetrics =
        chart.one(io.fabric8.kubernetes.api.model.Service.class, RELEASE + "-webhook-metrics");
    assertTrue(
        webhookMetrics
            .getMetadata()
            .getLabels()
            .entrySet()
            .containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet()),
        "the monitor selects the webhook's metrics too");
    assertEquals(
        "webhook", webhookMetrics.getSpec().getSelector().get("app.kubernetes.io/component"));
    NetworkPolicy operatorPolicy = chart.one(NetworkPolicy.class, RELEASE);
    assertEquals(
        List.of(8081),
        operatorPolicy.getSpec().getIngress().get(0).getPorts().stream()
            .map(p -> p.getPort().getIntVal())
            .toList());
    assertEquals(
        1,
        chart
            .one(NetworkPolicy.class, RELEASE + "-agent")
            .getSpec()
            .getIngress()
            .get(0)
            .getPorts()
            .size());
  }

  static PodSpec agent(RenderedChart chart) {
    return chart.one(DaemonSet.class, RELEASE + "-agent").getSpec().getTemplate().getSpec();
  }

  @Test
  void theWebhookPortAdmitsOnlyTheGivenApiServerPeers() {
    RenderedChart chart = RenderedChart.render(CI.resolve("monitoring-values.yaml"), Map.of());
    NetworkPolicy policy = chart.one(NetworkPolicy.class, RELEASE + "-webhook");
    assertEquals(
        chart.one(Deployment.class, RELEASE + "-webhook").getSpec().getSelector().getMatchLabels(),
        policy.getSpec().getPodSelector().getMatchLabels());
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
    var ingress = policy.getSpec().getIngress();
    assertEquals(2, ingress.size());
    assertEquals(
        List.of(9443),
        ingress.get(0).getPorts().stream().map(p -> p.getPort().getIntVal()).toList());
    assertEquals(1, ingress.get(0).getFrom().size());
    assertEquals("192.0.2.10/32", ingress.get(0).getFrom().get(0).getIpBlock().getCidr());
    // Health and metrics: from anywhere unless networkPolicy.health says otherwise (kubelet probes
    // come
    // from the node).
    assertEquals(
        List.of(8082),
        ingress.get(1).getPorts().stream().map(p -> p.getPort().getIntVal()).toList());
    assertTrue(ingress.get(1).getFrom().isEmpty());

    // Without networkPolicy.apiServer the chart cannot know the API server: the port is open to
    // all.
    NetworkPolicy open =
        RenderedChart.render(null, Map.of("networkPolicy.enabled", "true"))
            .one(NetworkPolicy.class, RELEASE + "-webhook");
    assertTrue(open.getSpec().getIngress().get(0).getFrom().isEmpty());
    NetworkPolicy probes =
        RenderedChart.render(
                null,
                Map.of(
                    "networkPolicy.enabled", "true",
                    "networkPolicy.health[0].ipBlock.cidr", "192.0.2.0/24"))
            .one(NetworkPolicy.class, RELEASE + "-webhook");
    assertEquals(
        "192.0.2.0/24",
        probes.getSpec().getIngress().get(1).getFrom().get(0).getIpBlock().getCidr());
  }

  static PodSpec webhookPods(RenderedChart chart) {
    return chart.one(Deployment.class, RELEASE + "-webhook").getSpec().getTemplate().getSpec();
  }

  static PodSpec operator(RenderedChart chart) {
    return chart.one(Deployment.class, RELEASE).getSpec().getTemplate().getSpec();
  }

  private static MutatingWebhook webhook(RenderedChart chart) {
    List<MutatingWebhook> hooks =
        chart.one(MutatingWebhookConfiguration.class, RELEASE).getWebhooks();
    assertEquals(1, hooks.size());
    return hooks.get(0);
  }

  private static List<EnvVar> env(Container c) {
    return c.getEnv().stream().filter(e -> e.getValue() != null).toList();
  }
}
