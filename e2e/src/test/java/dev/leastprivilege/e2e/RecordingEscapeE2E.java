package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant who may create pods and ProfileRecordings in their namespace, where recording is allowed
 * and an Enforce SeccompProfile selects their pods, cannot use a recording to run a pod without it:
 * recording never replaces an Enforce profile. The tenant acts through kubectl --as, with only the
 * rights their Role gives.
 */
@ExtendWith(Product.class)
class RecordingEscapeE2E {
  private static final String NS = "tenant";
  private static final String CLOSED = "tenant-closed";
  private static final String TENANT = "tenant";
  private static final String GUARD_FILE = "leastprivilege/tenant/guard.json";
  private static final String CHMOD = "touch /tmp/f && chmod 600 /tmp/f && stat -c %a /tmp/f";
  private static Cluster cluster;
  private static TestPods pods;
  private static Recordings recordings;

  @BeforeAll
  static void aTenantWithAnEnforcedNamespace(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    recordings = new Recordings(cluster);
    recordings.allowedNamespace(NS);
    cluster.namespace(CLOSED, Map.of());
    for (String ns : new String[] {NS, CLOSED}) {
      cluster.apply(
          cluster.load(
              Role.class,
              """
              apiVersion: rbac.authorization.k8s.io/v1
              kind: Role
              metadata: {name: tenant, namespace: %s}
              rules:
                - apiGroups: [""]
                  resources: [pods]
                  verbs: [create, get, list, watch, delete]
                - apiGroups: [""]
                  resources: [pods/log]
                  verbs: [get]
                - apiGroups: [leastprivilege.dev]
                  resources: [profilerecordings]
                  verbs: [create, get, list, watch, update, patch, delete]
              """
                  .formatted(ns)));
      cluster.apply(
          cluster.load(
              RoleBinding.class,
              """
              apiVersion: rbac.authorization.k8s.io/v1
              kind: RoleBinding
              metadata: {name: tenant, namespace: %s}
              roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: tenant}
              subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: tenant}]
              """
                  .formatted(ns)));
    }
    // The platform team's profile: the tenant's pods labelled app=guarded may not chmod.
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: SeccompProfile
            metadata: {name: guard, namespace: tenant}
            spec:
              defaultAction: SCMP_ACT_ALLOW
              mode: Enforce
              syscalls:
                - names: [chmod, fchmod, fchmodat, fchmodat2]
                  action: SCMP_ACT_ERRNO
                  errnoRet: 1
              podSelector: {matchLabels: {app: guarded}}
            """));
    cluster.awaitInstalled(NS, "guard");
    recordings.forget(NS, "escape");
    String created =
        asTenant(
            "apply",
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: ProfileRecording
            metadata: {name: escape, namespace: tenant}
            spec:
              podSelector: {matchLabels: {app: guarded}}
            """);
    assertTrue(created.contains("created"), created);
    recordings.awaitStatus(
        NS, "escape", "phase Recording", s -> s.getPhase() == RecordingPhase.Recording);
  }

  @Test
  void aRecordingThatSelectsAnEnforcedPodLeavesTheEnforceProfileInPlace() {
    Cluster.Kubectl run = tenantPod("selected", "", "");
    Pod stored = cluster.client.pods().inNamespace(NS).withName("selected").get();
    assertGuarded(stored);
    // The tenant is told why their pod is not recorded.
    assertTrue(run.err().contains("Warning:"), () -> "no admission warning: " + run);
    refused(stored);
  }

  @Test
  void aPodCannotClaimTheRecordingOrItsProfileItself() {
    tenantPod(
        "claims",
        "  annotations: {leastprivilege.dev/recording: escape}\n",
        "    securityContext:\n"
            + "      seccompProfile: {type: Localhost, localhostProfile: leastprivilege/tenant/escape.recording.json}\n");
    Pod stored = cluster.client.pods().inNamespace(NS).withName("claims").get();
    assertGuarded(stored);
    refused(stored);
  }

  @Test
  void theRecordingProfileNamedByAnnotationDoesNotReplaceTheEnforceProfile() {
    Cluster.Kubectl run =
        tenantPod(
            "by-annotation",
            "  annotations: {leastprivilege.dev/seccomp-profile: "
                + ProfileRecording.recordingProfileName("escape")
                + "}\n",
            "");
    Pod stored = cluster.client.pods().inNamespace(NS).withName("by-annotation").get();
    // Refused at admission, or admitted under the Enforce profile: never under the recording's.
    if (stored != null) {
      assertGuarded(stored);
      refused(stored);
    } else {
      assertNotEquals(0, run.exitCode(), run::toString);
    }
  }

  @Test
  void theTenantCannotChangeTheEnforceProfile() {
    Cluster.Kubectl patch =
        cluster.kubectl(
            "--as",
            TENANT,
            "-n",
            NS,
            "patch",
            "seccompprofile",
            "guard",
            "--type=merge",
            "-p",
            "{\"spec\":{\"mode\":\"Audit\"}}");
    assertNotEquals(0, patch.exitCode());
    assertTrue(patch.err().contains("forbidden"), patch::toString);
  }

  @Test
  void withoutTheNamespaceOptInARecordingFailsAndRecordsNothing() {
    recordings.forget(CLOSED, "closed");
    asTenant(
        "apply",
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: closed, namespace: tenant-closed}
        spec:
          podSelector: {matchLabels: {app: open}}
        """);
    ProfileRecording failed =
        recordings.awaitStatus(
            CLOSED, "closed", "phase Failed", s -> s.getPhase() == RecordingPhase.Failed);
    assertTrue(
        failed.getStatus().getConditions().stream()
            .anyMatch(c -> "RecordingNotAllowed".equals(c.getReason())),
        () -> Serialization.asYaml(failed.getStatus()));
    Pod stored =
        pods.create(TestPods.pod(CLOSED, "open", Map.of("app", "open"), null, "true").build());
    assertFalse(
        stored.getMetadata().getAnnotations() != null
            && stored.getMetadata().getAnnotations().containsKey(ApiNames.RECORDING_ANNOTATION));
    var sc = stored.getSpec().getContainers().get(0).getSecurityContext();
    assertTrue(sc == null || sc.getSeccompProfile() == null, () -> Serialization.asYaml(stored));
  }

  private static void assertGuarded(Pod stored) {
    var sc = stored.getSpec().getContainers().get(0).getSecurityContext();
    assertEquals("Localhost", sc.getSeccompProfile().getType(), () -> Serialization.asYaml(stored));
    assertEquals(GUARD_FILE, sc.getSeccompProfile().getLocalhostProfile());
    String annotation =
        stored.getMetadata().getAnnotations() == null
            ? null
            : stored.getMetadata().getAnnotations().get(ApiNames.RECORDING_ANNOTATION);
    // Its system calls are not recorded: it runs the Enforce profile (above). The recording that
    // selects it may still record its capability checks, which change nothing in the pod: the
    // mark, if any, is that recording's, set by the webhook.
    assertTrue(
        annotation == null || annotation.equals("escape"),
        () -> "the pod is marked for " + annotation);
  }

  private static void refused(Pod stored) {
    TestPods.Outcome chmod = pods.awaitOutcome(stored);
    assertEquals(1, chmod.exitCode(), chmod::toString);
    assertTrue(chmod.logs().contains("Operation not permitted"), chmod::toString);
  }

  /** The tenant creates a pod running chmod, labelled app=guarded, with kubectl. */
  private static Cluster.Kubectl tenantPod(String name, String metadata, String container) {
    pods.delete(NS, name);
    String yaml =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: "
            + name
            + "\n  namespace: tenant\n  labels: {app: guarded}\n"
            + metadata
            + "spec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  containers:\n"
            + "  - name: main\n    image: "
            + TestPods.IMAGE
            + "\n    imagePullPolicy: Never\n    command: [sh, -c, \""
            + CHMOD
            + "\"]\n"
            + container;
    return kubectlAsTenant("create", yaml);
  }

  private static String asTenant(String verb, String yaml) {
    Cluster.Kubectl done = kubectlAsTenant(verb, yaml);
    assertEquals(0, done.exitCode(), done::toString);
    return done.out();
  }

  private static Cluster.Kubectl kubectlAsTenant(String verb, String yaml) {
    try {
      Path file = Files.createTempFile("tenant", ".yaml");
      try {
        Files.writeString(file, yaml);
        return cluster.kubectl("--as", TENANT, verb, "-f", file.toString());
      } finally {
        Files.delete(file);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
