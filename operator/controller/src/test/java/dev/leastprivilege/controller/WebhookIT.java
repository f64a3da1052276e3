package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The webhook behind a real kube-apiserver: a MutatingWebhookConfiguration points at it on
 * 127.0.0.1, its caBundle written by the webhook's self-managed CA, and pods are created with
 * Debian's kubectl 1.20 as a user would. Assertions are on the stored pods and on what kubectl
 * prints. Each test has a namespace of its own.
 */
class WebhookIT {
  private static final Duration T = Duration.ofSeconds(30);

  @RegisterExtension
  static final Cluster cluster =
      new Cluster()
          .nodes("n1")
          .operator()
          .agents()
          .restartWorkloads()
          .webhook("lpo-it", WebhookIT::webhookConfiguration);

  static KubernetesClient client() {
    return cluster.client();
  }

  static Kubectl.Result kubectl(String manifest) throws Exception {
    return cluster.kubectl().apply(manifest);
  }

  /**
   * The namespace's profile and policies: deny-chmod and web-caps for app=web, batch-audit (Audit)
   * for tier=batch; returns once the webhook sees them.
   */
  private static void webAndBatchPolicies(String ns) {
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: deny-chmod, namespace: %1$s}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          syscalls: [{names: [chmod, fchmod, fchmodat], action: SCMP_ACT_ERRNO}]
          podSelector: {matchLabels: {app: web}}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: web-caps, namespace: %1$s}
        spec:
          podSelector: {matchLabels: {app: web}}
          add: [NET_BIND_SERVICE]
          allowed: [CHOWN]
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: batch-audit, namespace: %1$s}
        spec:
          mode: Audit
          podSelector: {matchLabels: {tier: batch}}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertEquals(
                    ProfilePhase.Installed, phase(ns, "deny-chmod"), "deny-chmod installed"));
    // The webhook's informers see the status a little after the operator wrote it.
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              var view = cluster.webhook().cache().forNamespace(ns);
              assertTrue(
                  view.profiles().stream()
                          .anyMatch(p -> p.ref().name().equals("deny-chmod") && p.installed())
                      && view.policies().size() == 2,
                  () -> "the webhook's view of " + ns + ": " + view);
            });
  }

  @Test
  void theCaBundleWasWrittenByTheSelfManagedCa() {
    String bundle =
        client()
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withName("lpo-it")
            .get()
            .getWebhooks()
            .get(0)
            .getClientConfig()
            .getCaBundle();
    assertEquals(
        cluster.webhook().caCertificate().orElseThrow(),
        new String(Base64.getDecoder().decode(bundle)));
  }

  @Test
  void aSelectedPodIsPatchedByTheApiServerCallingTheWebhook(@TestNamespace String ns)
      throws Exception {
    webAndBatchPolicies(ns);
    Kubectl.Result r =
        kubectl(pod("web-1", ns, "app: web", "{runAsUser: 1000, capabilities: {add: [CHOWN]}}"));
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    SecurityContext sc = stored(ns, "web-1").getSpec().getContainers().get(0).getSecurityContext();
    assertEquals("Localhost", sc.getSeccompProfile().getType());
    assertEquals(
        "leastprivilege/" + ns + "/deny-chmod.json", sc.getSeccompProfile().getLocalhostProfile());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());
    assertEquals(List.of("CHOWN", "NET_BIND_SERVICE"), sc.getCapabilities().getAdd());
    assertEquals(1000L, sc.getRunAsUser());
    assertEquals(
        "true",
        stored(ns, "web-1").getMetadata().getLabels().get("leastprivilege.dev/uses-profiles"));
  }

  @Test
  void aSecondAdmissionOfAPatchedPodIsANoOp(@TestNamespace String ns) throws Exception {
    webAndBatchPolicies(ns);
    assertEquals(0, kubectl(pod("web-2", ns, "app: web", "{}")).exit());
    Pod first = stored(ns, "web-2");
    String again =
        client()
            .getKubernetesSerialization()
            .asYaml(first.getSpec().getContainers())
            .replaceFirst("^---\n", "");
    double unchangedBefore = unchangedAdmissions();
    Kubectl.Result r =
        kubectl(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-2-again\n  namespace: "
                + ns
                + "\n  labels: {app: web, leastprivilege.dev/uses-profiles: \"true\"}\nspec:\n  containers:\n"
                + again.replaceAll("(?m)^", "  "));
    assertEquals(0, r.exit(), r.err());
    assertEquals(
        unchangedBefore + 1, unchangedAdmissions(), "the webhook answered without a patch");
    assertEquals(
        first.getSpec().getContainers().get(0).getSecurityContext(),
        stored(ns, "web-2-again").getSpec().getContainers().get(0).getSecurityContext());
  }

  @Test
  void aPodThatMatchesNothingIsUntouched(@TestNamespace String ns) throws Exception {
    webAndBatchPolicies(ns);
    assertEquals(0, kubectl(pod("db", ns, "app: db", "{runAsUser: 5}")).exit());
    Pod pod = stored(ns, "db");
    assertEquals(5L, pod.getSpec().getContainers().get(0).getSecurityContext().getRunAsUser());
    assertNull(pod.getSpec().getContainers().get(0).getSecurityContext().getSeccompProfile());
    assertNull(pod.getSpec().getContainers().get(0).getSecurityContext().getCapabilities());
    assertFalse(pod.getMetadata().getLabels().containsKey("leastprivilege.dev/uses-profiles"));
  }

  @Test
  void kubeSystemIsNeverTouched() throws Exception {
    cluster.namespace("kube-system");
    // A profile and a policy in kube-system that select everything still change nothing there.
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: everything, namespace: kube-system}
        spec: {podSelector: {}}
        """);
    await()
        .atMost(T)
        .untilAsserted(() -> assertTrue(webhookSees("kube-system", 0, 1), "policy cached"));
    assertEquals(0, kubectl(pod("system-pod", "kube-system", "app: web", "{}")).exit());
    assertNull(
        stored("kube-system", "system-pod").getSpec().getContainers().get(0).getSecurityContext());
  }

  @Test
  void askingForACapabilityOutsideThePolicyIsRefusedWithTheReason(@TestNamespace String ns)
      throws Exception {
    webAndBatchPolicies(ns);
    Kubectl.Result r = kubectl(pod("greedy", ns, "app: web", "{capabilities: {add: [SYS_ADMIN]}}"));
    assertNotEquals(0, r.exit());
    assertTrue(
        r.err()
            .contains(
                "admission webhook \"pods.leastprivilege.dev\" denied the request: container app asks"
                    + " for capability SYS_ADMIN, which CapabilityPolicy web-caps does not allow (add: [NET_BIND_SERVICE],"
                    + " allowed: [CHOWN])"),
        r.err());
    assertNull(client().pods().inNamespace(ns).withName("greedy").get());
  }

  @Test
  void anotherNamespacesProfileIsRefused(@TestNamespace String ns) throws Exception {
    webAndBatchPolicies(ns);
    String other = ns + "-other";
    cluster.namespace(other);
    Kubectl.Result r =
        kubectl(
            pod(
                "borrower",
                other,
                "app: x",
                "{seccompProfile: {type: Localhost, localhostProfile: leastprivilege/"
                    + ns
                    + "/deny-chmod.json}}"));
    assertNotEquals(0, r.exit());
    assertTrue(
        r.err()
            .contains(
                "localhostProfile \"leastprivilege/"
                    + ns
                    + "/deny-chmod.json\" is not a profile of"
                    + " namespace "
                    + other),
        r.err());
  }

  @Test
  void auditModeAdmitsUnchangedAndKubectlPrintsTheWarning(@TestNamespace String ns)
      throws Exception {
    webAndBatchPolicies(ns);
    Kubectl.Result r =
        kubectl(pod("batch", ns, "tier: batch", "{capabilities: {add: [SYS_ADMIN]}}"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(
        r.err()
            .contains(
                "Warning: container app violates CapabilityPolicy batch-audit (Audit, admitted"
                    + " unchanged): does not drop ALL, adds SYS_ADMIN"),
        r.err());
    assertEquals(
        List.of("SYS_ADMIN"),
        stored(ns, "batch")
            .getSpec()
            .getContainers()
            .get(0)
            .getSecurityContext()
            .getCapabilities()
            .getAdd());
    // The violation is counted in the policy's status.
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy p =
                  client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("batch-audit")
                      .get();
              assertTrue(
                  p.getStatus() != null
                      && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods()),
                  () -> "batch-audit counts the pod: " + p.getStatus());
            });
  }

  @Test
  void twoEnforcingProfilesForOneContainerRefuseThePodNamingBoth(@TestNamespace String ns)
      throws Exception {
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: left, namespace: %1$s}
        spec: {defaultAction: SCMP_ACT_ALLOW, podSelector: {matchLabels: {app: both}}}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: right, namespace: %1$s}
        spec: {defaultAction: SCMP_ACT_ALLOW, podSelector: {matchLabels: {app: both}}}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertEquals(
                    2,
                    cluster.webhook().cache().forNamespace(ns).profiles().stream()
                        .filter(
                            p -> p.installed() && List.of("left", "right").contains(p.ref().name()))
                        .count(),
                    "webhook sees left and right installed"));
    Kubectl.Result r = kubectl(pod("ambiguous", ns, "app: both", "{}"));
    assertTrue(
        r.err()
            .contains(
                "container app is selected by SeccompProfiles left and right; choose one with the"
                    + " annotation leastprivilege.dev/seccomp-profile.app: <name>"),
        r.err());
  }

  @Test
  void aProfileThatNoNodeHasRefusesThePodsItSelectsWithItsOwnError(@TestNamespace String ns)
      throws Exception {
    // Its base does not exist, so the operator never publishes a file: a pod pointed at it could
    // never start.
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: orphan-child, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ALLOW, baseProfileName: missing-base, podSelector: {matchLabels: {app: o}}}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertEquals(
                    ProfilePhase.Failed, phase(ns, "orphan-child"), "orphan-child Failed"));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster.webhook().cache().forNamespace(ns).profiles().stream()
                        .anyMatch(
                            p -> p.ref().name().equals("orphan-child") && p.missingFile() != null),
                    "profile cached"));
    Kubectl.Result r = kubectl(pod("early", ns, "app: o", "{}"));
    assertNotEquals(0, r.exit(), r.out());
    assertTrue(
        r.err()
            .contains(
                "container app: SeccompProfile orphan-child (Enforce) has no file on the nodes"
                    + " (spec.baseProfileName: base profile "
                    + ns
                    + "/missing-base not found"),
        r.err());
    assertTrue(
        r.err()
            .contains(
                "fix the profile (kubectl describe seccompprofile orphan-child, or lpo lint)"),
        r.err());
  }

  @Test
  void runningPodsThatPredateAProfileAreCountedAndTheirDeploymentRestarted(@TestNamespace String ns)
      throws Exception {
    cluster.apply(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: legacy, namespace: %s}
        spec:
          selector: {matchLabels: {app: legacy}}
          template:
            metadata: {labels: {app: legacy}}
            spec: {containers: [{name: app, image: busybox}]}
        """
            .formatted(ns));
    Deployment d = client().apps().deployments().inNamespace(ns).withName("legacy").get();
    // No controller-manager runs here, so the ReplicaSet and pod a real one would make are made by
    // hand.
    cluster.apply(
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: legacy-1\n  namespace: "
            + ns
            + "\n"
            + "  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: legacy, uid: "
            + d.getMetadata().getUid()
            + ", controller: true}]\nspec:\n  selector: {matchLabels: {app: legacy}}\n  template:\n"
            + "    metadata: {labels: {app: legacy}}\n    spec: {containers: [{name: app, image: busybox}]}\n");
    String rsUid =
        client()
            .apps()
            .replicaSets()
            .inNamespace(ns)
            .withName("legacy-1")
            .get()
            .getMetadata()
            .getUid();
    cluster.apply(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy-1-abc\n  namespace: "
            + ns
            + "\n"
            + "  labels: {app: legacy}\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: legacy-1, uid: "
            + rsUid
            + ", controller: true}]\nspec: {containers: [{name: app, image: busybox}]}\n");
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: legacy-profile, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          podSelector: {matchLabels: {app: legacy}}
          restartNonCompliant: true
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              SeccompProfile p =
                  client()
                      .resources(SeccompProfile.class)
                      .inNamespace(ns)
                      .withName("legacy-profile")
                      .get();
              assertTrue(
                  p.getStatus() != null
                      && Integer.valueOf(1).equals(p.getStatus().getNonCompliantPods()),
                  () -> "legacy-profile counts the old pod: " + p.getStatus());
            });
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    templateAnnotations(ns, "legacy")
                        .containsKey("kubectl.kubernetes.io/restartedAt"),
                    "deployment restarted"));
    var annotations = templateAnnotations(ns, "legacy");
    assertTrue(
        annotations.containsKey("kubectl.kubernetes.io/restartedAt"), annotations.toString());
    assertEquals(
        "SeccompProfile legacy-profile@1/"
            + cluster.profile(ns, "legacy-profile").getMetadata().getUid().substring(0, 8),
        annotations.get("leastprivilege.dev/restarted-for"));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    client().v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(
                            e ->
                                "NonCompliantPods".equals(e.getReason())
                                    && e.getMessage().contains("Deployment legacy")),
                    "an event names the Deployment"));
  }

  /** The annotations of a Deployment's pod template; none until something sets one. */
  private static Map<String, String> templateAnnotations(String ns, String name) {
    return Optional.ofNullable(
            client()
                .apps()
                .deployments()
                .inNamespace(ns)
                .withName(name)
                .get()
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations())
        .orElse(Map.of());
  }

  /** Whether the webhook's cache holds this many profiles and policies of the namespace. */
  private static boolean webhookSees(String ns, int profiles, int policies) {
    var view = cluster.webhook().cache().forNamespace(ns);
    return view.profiles().size() == profiles && view.policies().size() == policies;
  }

  private static double unchangedAdmissions() {
    return cluster
        .registry
        .get("lpo_webhook_admission")
        .tag("outcome", "unchanged")
        .timer()
        .count();
  }

  private static ProfilePhase phase(String namespace, String name) {
    SeccompProfile p =
        client().resources(SeccompProfile.class).inNamespace(namespace).withName(name).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static Pod stored(String ns, String name) {
    return client().pods().inNamespace(ns).withName(name).get();
  }

  private static String pod(String name, String ns, String labels, String securityContext) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
        + name
        + "\n  namespace: "
        + ns
        + "\n  labels: {"
        + labels
        + "}\nspec:\n  containers:\n  - name: app\n    image: busybox\n"
        + ("{}".equals(securityContext) ? "" : "    securityContext: " + securityContext + "\n");
  }

  private static String webhookConfiguration(int port) {
    return WebhookRegistration.of("lpo-it", port)
        .selecting(WebhookRegistration.NOT_OPTED_OUT)
        .yaml();
  }
}
