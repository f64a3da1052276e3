package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook behind a real kube-apiserver: a MutatingWebhookConfiguration points at it on 127.0.0.1, its
 * caBundle written by the webhook's self-managed CA, and pods are created with Debian's kubectl 1.20 as a user
 * would. Assertions are on the stored pods and on what kubectl prints.
 */
class WebhookIT {
  private static final String NS = "shop";
  private static final Duration T = Duration.ofSeconds(30);
  static RealApiServer api;
  static KubernetesClient client;
  static Cluster cluster;
  static Operator operator;
  static Agent agent;
  static Webhook webhook;
  static Kubectl kubectl;
  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.start();
    client = api.client();
    cluster = new Cluster(client);
    cluster.namespace(Cluster.OPERATOR_NS);
    cluster.namespace(NS);
    cluster.namespace("other");
    cluster.namespace("kube-system");
    cluster.node("n1");
    agent = cluster.startAgent("n1", dir.resolve("n1"));
    kubectl = new Kubectl(api.kubeconfig(), dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertEquals(0, kubectl.apply(webhookConfiguration(port)).exit());
    // Self-managed TLS: the webhook creates its CA and certificate and writes the caBundle itself.
    LeastPrivilegeOperator product = cluster.startOperator(new WebhookSettings(port, null, "lpo-webhook-tls",
        "lpo-it", List.of(), List.of("127.0.0.1")), new InetSocketAddress("127.0.0.1", port));
    operator = product.operator();
    webhook = product.webhook().orElseThrow();
    Await.until(T, webhook::ready, () -> "webhook ready");
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: deny-chmod, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          syscalls: [{names: [chmod, fchmod, fchmodat], action: SCMP_ACT_ERRNO}]
          podSelector: {matchLabels: {app: web}}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: web-caps, namespace: shop}
        spec:
          podSelector: {matchLabels: {app: web}}
          add: [NET_BIND_SERVICE]
          allowed: [CHOWN]
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: batch-audit, namespace: shop}
        spec:
          mode: Audit
          podSelector: {matchLabels: {tier: batch}}
        """);
    Await.until(T, () -> phase("deny-chmod") == ProfilePhase.Installed, () -> "deny-chmod installed");
  }

  @AfterAll
  static void stop() {
    webhook.close();
    agent.close();
    operator.stop();
    client.close();
    api.close();
  }

  @Test
  void theCaBundleWasWrittenByTheSelfManagedCa() {
    String bundle = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("lpo-it").get()
        .getWebhooks().get(0).getClientConfig().getCaBundle();
    assertEquals(webhook.caCertificate().orElseThrow(), new String(Base64.getDecoder().decode(bundle)));
  }

  @Test
  void aSelectedPodIsPatchedByTheApiServerCallingTheWebhook() throws Exception {
    Kubectl.Result r = kubectl.apply(pod("web-1", "shop", "app: web", "{runAsUser: 1000, capabilities: {add: [CHOWN]}}"));
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    SecurityContext sc = stored("shop", "web-1").getSpec().getContainers().get(0).getSecurityContext();
    assertEquals("Localhost", sc.getSeccompProfile().getType());
    assertEquals("leastprivilege/shop/deny-chmod.json", sc.getSeccompProfile().getLocalhostProfile());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals(List.of("CHOWN", "NET_BIND_SERVICE"), sc.getCapabilities().getAdd());
    assertEquals(1000L, sc.getRunAsUser());
    assertEquals("true", stored("shop", "web-1").getMetadata().getLabels().get("leastprivilege.dev/uses-profiles"));
  }

  @Test
  void aSecondAdmissionOfAPatchedPodIsANoOp() throws Exception {
    assertEquals(0, kubectl.apply(pod("web-2", "shop", "app: web", "{}")).exit());
    Pod first = stored("shop", "web-2");
    String again = client.getKubernetesSerialization().asYaml(first.getSpec().getContainers())
        .replaceFirst("^---\n", "");
    double unchangedBefore = unchangedAdmissions();
    Kubectl.Result r = kubectl.apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-2-again\n  namespace: shop\n"
        + "  labels: {app: web, leastprivilege.dev/uses-profiles: \"true\"}\nspec:\n  containers:\n"
        + again.replaceAll("(?m)^", "  "));
    assertEquals(0, r.exit(), r.err());
    assertEquals(unchangedBefore + 1, unchangedAdmissions(), "the webhook answered without a patch");
    assertEquals(first.getSpec().getContainers().get(0).getSecurityContext(),
        stored("shop", "web-2-again").getSpec().getContainers().get(0).getSecurityContext());
  }

  @Test
  void aPodThatMatchesNothingIsUntouched() throws Exception {
    assertEquals(0, kubectl.apply(pod("db", "shop", "app: db", "{runAsUser: 5}")).exit());
    Pod pod = stored("shop", "db");
    assertEquals(5L, pod.getSpec().getContainers().get(0).getSecurityContext().getRunAsUser());
    assertNull(pod.getSpec().getContainers().get(0).getSecurityContext().getSeccompProfile());
    assertNull(pod.getSpec().getContainers().get(0).getSecurityContext().getCapabilities());
    assertFalse(pod.getMetadata().getLabels().containsKey("leastprivilege.dev/uses-profiles"));
  }

  @Test
  void kubeSystemIsNeverTouched() throws Exception {
    // A profile and a policy in kube-system that select everything still change nothing there.
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: everything, namespace: kube-system}
        spec: {podSelector: {}}
        """);
    Await.until(T, () -> webhookSees("kube-system", 0, 1), () -> "policy cached");
    assertEquals(0, kubectl.apply(pod("system-pod", "kube-system", "app: web", "{}")).exit());
    assertNull(stored("kube-system", "system-pod").getSpec().getContainers().get(0).getSecurityContext());
  }

  @Test
  void askingForACapabilityOutsideThePolicyIsRefusedWithTheReason() throws Exception {
    Kubectl.Result r = kubectl.apply(pod("greedy", "shop", "app: web", "{capabilities: {add: [SYS_ADMIN]}}"));
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("admission webhook \"pods.leastprivilege.dev\" denied the request: container app asks"
        + " for capability SYS_ADMIN, which CapabilityPolicy web-caps does not allow (add: [NET_BIND_SERVICE],"
        + " allowed: [CHOWN])"), r.err());
    assertNull(client.pods().inNamespace("shop").withName("greedy").get());
  }

  @Test
  void anotherNamespacesProfileIsRefused() throws Exception {
    Kubectl.Result r = kubectl.apply(pod("borrower", "other", "app: x",
        "{seccompProfile: {type: Localhost, localhostProfile: leastprivilege/shop/deny-chmod.json}}"));
    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("localhostProfile \"leastprivilege/shop/deny-chmod.json\" is not a profile of"
        + " namespace other"), r.err());
  }

  @Test
  void auditModeAdmitsUnchangedAndKubectlPrintsTheWarning() throws Exception {
    Kubectl.Result r = kubectl.apply(pod("batch", "shop", "tier: batch", "{capabilities: {add: [SYS_ADMIN]}}"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("Warning: container app violates CapabilityPolicy batch-audit (Audit, admitted"
        + " unchanged): does not drop ALL, adds SYS_ADMIN"), r.err());
    assertEquals(List.of("SYS_ADMIN"), stored("shop", "batch").getSpec().getContainers().get(0).getSecurityContext()
        .getCapabilities().getAdd());
    // The violation is counted in the policy's status.
    Await.until(T, () -> {
      CapabilityPolicy p = client.resources(CapabilityPolicy.class).inNamespace("shop").withName("batch-audit").get();
      return p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods());
    }, () -> "batch-audit counts the pod");
  }

  @Test
  void twoEnforcingProfilesForOneContainerRefuseThePodNamingBoth() throws Exception {
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: left, namespace: other}
        spec: {defaultAction: SCMP_ACT_ALLOW, podSelector: {matchLabels: {app: both}}}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: right, namespace: other}
        spec: {defaultAction: SCMP_ACT_ALLOW, podSelector: {matchLabels: {app: both}}}
        """);
    Await.until(T, () -> webhook.cache().forNamespace("other").profiles().stream()
        .filter(p -> p.installed() && List.of("left", "right").contains(p.ref().name())).count() == 2,
        () -> "webhook sees left and right installed");
    Kubectl.Result r = kubectl.apply(pod("ambiguous", "other", "app: both", "{}"));
    assertTrue(r.err().contains("container app is selected by SeccompProfiles left and right; choose one with the"
        + " annotation leastprivilege.dev/seccomp-profile.app: <name>"), r.err());
  }

  @Test
  void aProfileThatNoNodeHasRefusesThePodsItSelectsWithItsOwnError() throws Exception {
    // Its base does not exist, so the operator never publishes a file: a pod pointed at it could never start.
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: orphan-child, namespace: other}
        spec: {defaultAction: SCMP_ACT_ALLOW, baseProfileName: missing-base, podSelector: {matchLabels: {app: o}}}
        """);
    Await.until(T, () -> phase("other", "orphan-child") == ProfilePhase.Failed, () -> "orphan-child Failed");
    Await.until(T, () -> webhook.cache().forNamespace("other").profiles().stream()
        .anyMatch(p -> p.ref().name().equals("orphan-child") && p.missingFile() != null), () -> "profile cached");
    Kubectl.Result r = kubectl.apply(pod("early", "other", "app: o", "{}"));
    assertNotEquals(0, r.exit(), r.out());
    assertTrue(r.err().contains("container app: SeccompProfile orphan-child (Enforce) has no file on the nodes"
        + " (spec.baseProfileName: base profile other/missing-base not found"), r.err());
    assertTrue(r.err().contains("fix the profile (kubectl describe seccompprofile orphan-child, or lpo lint)"), r.err());
  }

  @Test
  void runningPodsThatPredateAProfileAreCountedAndTheirDeploymentRestarted() throws Exception {
    apply("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: legacy, namespace: other}
        spec:
          selector: {matchLabels: {app: legacy}}
          template:
            metadata: {labels: {app: legacy}}
            spec: {containers: [{name: app, image: busybox}]}
        """);
    Deployment d = client.apps().deployments().inNamespace("other").withName("legacy").get();
    // No controller-manager runs here, so the ReplicaSet and pod a real one would make are made by hand.
    apply("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: legacy-1\n  namespace: other\n"
        + "  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: legacy, uid: " + d.getMetadata().getUid()
        + ", controller: true}]\nspec:\n  selector: {matchLabels: {app: legacy}}\n  template:\n"
        + "    metadata: {labels: {app: legacy}}\n    spec: {containers: [{name: app, image: busybox}]}\n");
    String rsUid = client.apps().replicaSets().inNamespace("other").withName("legacy-1").get().getMetadata().getUid();
    apply("apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy-1-abc\n  namespace: other\n  labels: {app: legacy}\n"
        + "  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: legacy-1, uid: " + rsUid
        + ", controller: true}]\nspec: {containers: [{name: app, image: busybox}]}\n");
    apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: legacy-profile, namespace: other}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          podSelector: {matchLabels: {app: legacy}}
          restartNonCompliant: true
        """);
    Await.until(T, () -> {
      SeccompProfile p = client.resources(SeccompProfile.class).inNamespace("other").withName("legacy-profile").get();
      return p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods());
    }, () -> "legacy-profile counts the old pod");
    Await.until(T, () -> client.apps().deployments().inNamespace("other").withName("legacy").get().getSpec()
        .getTemplate().getMetadata().getAnnotations().containsKey("kubectl.kubernetes.io/restartedAt"),
        () -> "deployment restarted");
    var annotations = client.apps().deployments().inNamespace("other").withName("legacy").get().getSpec()
        .getTemplate().getMetadata().getAnnotations();
    assertTrue(annotations.containsKey("kubectl.kubernetes.io/restartedAt"), annotations.toString());
    assertEquals("SeccompProfile legacy-profile@1", annotations.get("leastprivilege.dev/restarted-for"));
    Await.until(T, () -> client.v1().events().inNamespace("other").list().getItems().stream()
        .anyMatch(e -> "NonCompliantPods".equals(e.getReason()) && e.getMessage().contains("Deployment legacy")),
        () -> "an event names the Deployment");
  }

  /** Whether the webhook's cache holds this many profiles and policies of the namespace. */
  private static boolean webhookSees(String ns, int profiles, int policies) {
    var view = webhook.cache().forNamespace(ns);
    return view.profiles().size() == profiles && view.policies().size() == policies;
  }

  private static double unchangedAdmissions() {
    return cluster.registry.get("lpo_webhook_admission").tag("outcome", "unchanged").timer().count();
  }

  private static ProfilePhase phase(String name) {
    return phase(NS, name);
  }

  private static ProfilePhase phase(String namespace, String name) {
    SeccompProfile p = client.resources(SeccompProfile.class).inNamespace(namespace).withName(name).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static Pod stored(String ns, String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  private static void apply(String yaml) throws Exception {
    Kubectl.Result r = kubectl.apply(yaml);
    assertEquals(0, r.exit(), r.err());
  }

  private static String pod(String name, String ns, String labels, String securityContext) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n  labels: {" + labels
        + "}\nspec:\n  containers:\n  - name: app\n    image: busybox\n"
        + ("{}".equals(securityContext) ? "" : "    securityContext: " + securityContext + "\n");
  }

  private static String webhookConfiguration(int port) {
    return """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: lpo-it}
        webhooks:
        - name: pods.leastprivilege.dev
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Fail
          timeoutSeconds: 5
          clientConfig: {url: "https://127.0.0.1:%d/mutate-pods"}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
          namespaceSelector:
            matchExpressions: [{key: leastprivilege.dev/ignore, operator: NotIn, values: ["true"]}]
        """.formatted(port);
  }
}
