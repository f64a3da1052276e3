package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The namespace label that scopes the webhook, on a real kube-apiserver: the operator puts {@code
 * leastprivilege.dev/has-policies=true} on exactly the namespaces that hold a SeccompProfile, a
 * CapabilityPolicy or a ProfileRecording that is not Completed, and the API server, given the
 * chart's namespaceSelector, sends only those to the webhook, so an unreachable webhook with {@code
 * failurePolicy: Fail} blocks pods only there.
 */
class PolicyNamespaceScopeIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static final String LABEL = ApiNames.HAS_POLICIES_LABEL;

  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1").operator().agents();

  static KubernetesClient client() {
    return cluster.client();
  }

  @Test
  void theLabelComesWithTheFirstPolicyIsPutBackAndGoesWithTheLast(@TestNamespace String ns) {
    assertNull(label(ns), "a namespace without policies carries no label");
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: watch, namespace: %1$s}
        spec: {mode: Audit, drop: [ALL]}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: deny-chmod, namespace: %1$s}
        spec:
          defaultAction: SCMP_ACT_ALLOW
          syscalls: [{names: [chmod], action: SCMP_ACT_ERRNO}]
          podSelector: {matchLabels: {app: web}}
        """
            .formatted(ns));
    // An Audit policy needs the webhook too (its warnings and counts come from admission).
    await().atMost(T).until(() -> "true".equals(label(ns)));

    // Someone removes it: it comes back.
    setLabel(ns, null);
    await().atMost(T).until(() -> "true".equals(label(ns)));
    setLabel(ns, "false");
    await().atMost(T).until(() -> "true".equals(label(ns)));

    // One of two gone: the namespace still holds a profile, so the label stays.
    client().resources(CapabilityPolicy.class).inNamespace(ns).withName("watch").delete();
    await().atMost(T).until(() -> policy(ns, "watch") == null);
    assertEquals("true", label(ns));

    // The last one gone, after its finalizer ran: so is the label.
    client().resources(SeccompProfile.class).inNamespace(ns).withName("deny-chmod").delete();
    await().atMost(T).until(() -> cluster.profile(ns, "deny-chmod") == null);
    await().atMost(T).until(() -> label(ns) == null);
  }

  @Test
  void aCapabilitiesOnlyRecordingLabelsItsNamespaceUntilItIsCompleted(@TestNamespace String ns) {
    client()
        .namespaces()
        .withName(ns)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\""
                + ApiNames.RECORDING_ALLOWED_LABEL
                + "\":\""
                + ApiNames.RECORDING_ALLOWED
                + "\"}}}");
    // No SeccompProfile or CapabilityPolicy here, and a recording of capabilities makes no
    // recording profile: without the label the webhook never sees the pods it should annotate.
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: caps, namespace: %s}
        spec:
          podSelector: {matchLabels: {app: caps}}
          record: [Capabilities]
        """
            .formatted(ns));
    await().atMost(T).until(() -> "true".equals(label(ns)));
    await()
        .atMost(T)
        .until(
            () ->
                recording(ns, "caps").getStatus() != null
                    && recording(ns, "caps").getStatus().getPhase() == RecordingPhase.Recording);
    assertEquals("true", label(ns));

    // Completed, it needs the webhook no more.
    client()
        .resources(ProfileRecording.class)
        .inNamespace(ns)
        .withName("caps")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"stop\":true}}");
    await()
        .atMost(T)
        .until(() -> recording(ns, "caps").getStatus().getPhase() == RecordingPhase.Completed);
    await().atMost(T).until(() -> label(ns) == null);
  }

  private static ProfileRecording recording(String ns, String name) {
    return client().resources(ProfileRecording.class).inNamespace(ns).withName(name).get();
  }

  @Test
  void kubeSystemIsNeverLabelledEvenWithAPolicy() {
    cluster.namespace("kube-system");
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: everything, namespace: kube-system}
        spec: {podSelector: {}}
        """);
    // Its status is written without waiting for a label that never comes.
    await().atMost(T).until(() -> policy("kube-system", "everything").getStatus() != null);
    assertNull(label("kube-system"));
  }

  @Test
  void aStatusSaysReadyOnlyOnceItsNamespaceCarriesTheLabel(@TestNamespace String ns) {
    // What users and the end-to-end suite wait for before creating pods.
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: drop-all, namespace: %1$s}
        spec: {drop: [ALL]}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: allow, namespace: %1$s}
        spec: {defaultAction: SCMP_ACT_ALLOW, podSelector: {}}
        """
            .formatted(ns));
    await()
        .atMost(T)
        .until(
            () -> {
              CapabilityPolicy p = policy(ns, "drop-all");
              return p.getStatus() != null
                  && Objects.equals(
                      p.getMetadata().getGeneration(), p.getStatus().getObservedGeneration());
            });
    assertEquals("true", label(ns), "labelled by the time the policy's status was written");
    await().atMost(T).until(() -> ProfilePhase.Installed == phase(ns, "allow"));
    assertEquals("true", label(ns), "labelled by the time the profile was Installed");
    assertEquals(
        ConditionReason.Valid.name(),
        policy(ns, "drop-all").getStatus().getConditions().get(0).getReason());
  }

  @Test
  void theApiServerSendsOnlyLabelledNamespacesToAnUnreachableWebhook(@TestNamespace String ns)
      throws Exception {
    String guarded = ns + "-guarded";
    cluster.namespace(guarded);
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: drop-all, namespace: %s}
        spec: {mode: Enforce, podSelector: {}, drop: [ALL]}
        """
            .formatted(guarded));
    await()
        .atMost(T)
        .until(
            () ->
                policy(guarded, "drop-all").getStatus() != null
                    && "True"
                        .equals(
                            policy(guarded, "drop-all")
                                .getStatus()
                                .getConditions()
                                .get(0)
                                .getStatus()));
    // The chart's configuration, pointed at a port where nothing listens: the webhook is down.
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Kubectl.Result registered = cluster.kubectl().apply(chartLikeConfiguration(closed));
    assertEquals(0, registered.exit(), registered.err());
    cluster.closeAfterTest(
        () ->
            client()
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName("lpo-scope-it")
                .delete());

    Kubectl.Result free = cluster.kubectl().apply(pod("free", ns));
    assertEquals(0, free.exit(), "a namespace without policies is not sent: " + free.err());
    assertTrue(client().pods().inNamespace(ns).withName("free").get() != null);

    Kubectl.Result blocked = cluster.kubectl().apply(pod("blocked", guarded));
    assertNotEquals(0, blocked.exit(), blocked.out());
    assertTrue(
        blocked.err().contains("failed calling webhook \"pods.leastprivilege.dev\""),
        blocked.err());
    assertNull(client().pods().inNamespace(guarded).withName("blocked").get());
  }

  /** As helm/least-privilege-operator/templates/webhook.yaml renders it by default. */
  private static String chartLikeConfiguration(int port) {
    return WebhookRegistration.of("lpo-scope-it", port)
        .selecting(
            """
            {matchExpressions: [
              {key: leastprivilege.dev/has-policies, operator: In, values: ["true"]},
              {key: leastprivilege.dev/ignore, operator: NotIn, values: ["true"]},
              {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, %s]}]}"""
                .formatted(Cluster.OPERATOR_NS))
        .yaml();
  }

  private static String pod(String name, String ns) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
        + name
        + "\n  namespace: "
        + ns
        + "\nspec:\n  containers:\n  - name: app\n    image: busybox\n";
  }

  private static String label(String ns) {
    Namespace n = client().namespaces().withName(ns).get();
    Map<String, String> labels = n.getMetadata().getLabels();
    return labels == null ? null : labels.get(LABEL);
  }

  private static void setLabel(String ns, String value) {
    client()
        .namespaces()
        .withName(ns)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\""
                + LABEL
                + "\":"
                + (value == null ? "null" : "\"" + value + "\"")
                + "}}}");
  }

  private static CapabilityPolicy policy(String ns, String name) {
    return client().resources(CapabilityPolicy.class).inNamespace(ns).withName(name).get();
  }

  private static ProfilePhase phase(String ns, String name) {
    SeccompProfile p = cluster.profile(ns, name);
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }
}
