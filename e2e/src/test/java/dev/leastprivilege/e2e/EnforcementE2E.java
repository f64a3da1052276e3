package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.EphemeralContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Enforcement with no way around it, tried as a red team would on a real node: a namespace where an
 * Enforce SeccompProfile and an Enforce CapabilityPolicy select every pod, and pods that try to get
 * more than they allow by spelling, by {@code privileged: true}, or by adding an ephemeral
 * container to a running pod (kubectl debug).
 */
@ExtendWith(Product.class)
class EnforcementE2E {
  private static final String NS = "enforce";
  private static final String PROFILE = "deny-chmod";
  private static final String POLICY = "drop-all";
  private static final String NODE_FILE = "leastprivilege/" + NS + "/" + PROFILE + ".json";

  /** What the runtime shows of a container that kept no capability. */
  private static final String NO_CAPABILITIES = "0000000000000000";

  /** CAP_NET_BIND_SERVICE is capability 10. */
  private static final String NET_BIND_SERVICE_ONLY = "0000000000000400";

  /** Prints the lines of /proc/self/status a user reads to see what a container really got. */
  private static final String SHOW_STATUS = "grep -E '^(CapEff|CapBnd|Seccomp):' /proc/self/status";

  private static Cluster cluster;
  private static TestPods pods;

  @BeforeAll
  static void enforceEverythingInTheNamespace(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    cluster.namespace(NS, Map.of());
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          mode: Enforce
          podSelector: {}
          defaultAction: SCMP_ACT_ALLOW
          syscalls:
            - names: [chmod, fchmod, fchmodat]
              action: SCMP_ACT_ERRNO
              errnoRet: 1
        """
                .formatted(PROFILE, NS)));
    cluster.apply(
        cluster.load(
            CapabilityPolicy.class,
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: %s, namespace: %s}
        spec:
          mode: Enforce
          podSelector: {}
          drop: [ALL]
          allowed: [NET_BIND_SERVICE]
        """
                .formatted(POLICY, NS)));
    cluster.awaitInstalled(NS, PROFILE);
    cluster
        .client
        .resources(CapabilityPolicy.class)
        .inNamespace(NS)
        .withName(POLICY)
        .waitUntilCondition(
            p ->
                p != null
                    && p.getStatus() != null
                    && Objects.equals(
                        p.getMetadata().getGeneration(), p.getStatus().getObservedGeneration()),
            1,
            TimeUnit.MINUTES);
  }

  @Test
  void dropAllSpelledWithALeadingSpaceIsStoredAsTheRuntimeReadsIt_andNothingIsKept() {
    // containerd compares ToUpper(c) == "ALL" without trimming: " ALL" as written would drop
    // nothing.
    SecurityContext spaced =
        new SecurityContextBuilder()
            .withNewCapabilities()
            .addToDrop(" ALL")
            .endCapabilities()
            .build();
    Pod stored =
        pods.create(
            TestPods.pod(NS, "drop-spaced", Map.of(), spaced, "sh", "-c", SHOW_STATUS).build());
    Capabilities caps =
        stored.getSpec().getContainers().get(0).getSecurityContext().getCapabilities();
    assertEquals(List.of("ALL"), caps.getDrop());

    TestPods.Outcome ran = pods.awaitOutcome(stored);
    assertEquals(0, ran.exitCode(), ran::toString);
    assertEquals(NO_CAPABILITIES, field(ran.logs(), "CapEff"), ran::toString);
    assertEquals(NO_CAPABILITIES, field(ran.logs(), "CapBnd"), ran::toString);
  }

  @Test
  void anAllowedCapabilitySpelledWithCapPrefixIsStoredWithout_andTheContainerHoldsIt() {
    // containerd prefixes CAP_ to the name as written: CAP_NET_BIND_SERVICE would become
    // CAP_CAP_NET_BIND_SERVICE.
    SecurityContext prefixed =
        new SecurityContextBuilder()
            .withNewCapabilities()
            .addToAdd("CAP_NET_BIND_SERVICE")
            .endCapabilities()
            .build();
    Pod stored =
        pods.create(
            TestPods.pod(NS, "add-prefixed", Map.of(), prefixed, "sh", "-c", SHOW_STATUS).build());
    Capabilities caps =
        stored.getSpec().getContainers().get(0).getSecurityContext().getCapabilities();
    assertEquals(List.of("ALL"), caps.getDrop());
    assertEquals(List.of("NET_BIND_SERVICE"), caps.getAdd());

    TestPods.Outcome ran = pods.awaitOutcome(stored);
    assertEquals(0, ran.exitCode(), ran::toString);
    // Root in the container: what the bounding set keeps is effective too.
    assertEquals(NET_BIND_SERVICE_ONLY, field(ran.logs(), "CapBnd"), ran::toString);
    assertEquals(NET_BIND_SERVICE_ONLY, field(ran.logs(), "CapEff"), ran::toString);
  }

  @Test
  void aPrivilegedPodIsRefused() {
    // containerd ignores seccompProfile and capabilities for a privileged container: it would run
    // unconfined with
    // every capability.
    SecurityContext privileged = new SecurityContextBuilder().withPrivileged(true).build();
    Pod pod = TestPods.pod(NS, "privileged", Map.of(), privileged, "sh", "-c", SHOW_STATUS).build();
    pods.delete(NS, "privileged");
    KubernetesClientException refused =
        assertThrows(KubernetesClientException.class, () -> cluster.client.resource(pod).create());
    assertRefusal(refused.getMessage(), "main", "privileged");
    assertNull(
        cluster.client.pods().inNamespace(NS).withName("privileged").get(),
        "no such pod was stored");
  }

  @Test
  void aPrivilegedEphemeralContainerIsRefused() throws IOException {
    Pod target = runningTarget("target-privileged");
    Cluster.Kubectl added =
        addEphemeralContainer(
            target,
            debugger("root-shell", new SecurityContextBuilder().withPrivileged(true).build()));
    assertNotEquals(0, added.exitCode(), added::toString);
    assertRefusal(added.err(), "root-shell", "privileged");
    assertNull(ephemeralContainer(target, "root-shell"), "the pod has no container root-shell");
  }

  @Test
  void anEphemeralContainerAskingForSysAdminIsRefused() throws IOException {
    Pod target = runningTarget("target-sys-admin");
    Cluster.Kubectl added =
        addEphemeralContainer(
            target,
            debugger(
                "admin-shell",
                new SecurityContextBuilder()
                    .withNewCapabilities()
                    .addToAdd("SYS_ADMIN")
                    .endCapabilities()
                    .build()));
    assertNotEquals(0, added.exitCode(), added::toString);
    String message = added.err();
    assertTrue(message.contains("admin-shell"), message);
    assertTrue(message.contains("asks for capability SYS_ADMIN"), message);
    assertTrue(message.contains("CapabilityPolicy " + POLICY), message);
    assertNull(ephemeralContainer(target, "admin-shell"), "the pod has no container admin-shell");
  }

  @Test
  void kubectlDebugIsRefusedWhereAnEphemeralContainerCannotCarryASecurityContext() {
    // Before Kubernetes 1.21 the API server forbids any securityContext on an ephemeral container,
    // so neither the
    // profile nor the drop list can be given to it: it would run with the runtime's default
    // capabilities.
    assumeTrue(
        cluster.minorVersion() < 21, "from 1.21 an ephemeral container carries a securityContext");
    Pod target = runningTarget("target-debug-refused");
    Cluster.Kubectl debug = debug(target);
    assertNotEquals(0, debug.exitCode(), debug::toString);
    assertTrue(debug.err().contains("container debugger"), debug::toString);
    assertTrue(
        debug.err().contains("SeccompProfile " + PROFILE)
            || debug.err().contains("CapabilityPolicy " + POLICY),
        debug::toString);
    assertNull(ephemeralContainer(target, "debugger"), "the pod has no container debugger");
  }

  @Test
  void kubectlDebugGetsTheNamespacesProfileAndDropList() {
    assumeTrue(
        cluster.minorVersion() >= 21,
        "before 1.21 an ephemeral container cannot carry a securityContext");
    Pod target = runningTarget("target-debug");
    Cluster.Kubectl debug = debug(target);
    assertEquals(0, debug.exitCode(), debug::toString);

    EphemeralContainer stored = ephemeralContainer(target, "debugger");
    SecurityContext sc = stored.getSecurityContext();
    assertTrue(sc != null && sc.getSeccompProfile() != null, "the debugger was patched: " + stored);
    assertEquals("Localhost", sc.getSeccompProfile().getType());
    assertEquals(NODE_FILE, sc.getSeccompProfile().getLocalhostProfile());
    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop());

    TestPods.Outcome ran = pods.awaitOutcome(target, "debugger");
    assertEquals(NO_CAPABILITIES, field(ran.logs(), "CapEff"), ran::toString);
    assertEquals("2", field(ran.logs(), "Seccomp"), ran::toString);
    assertTrue(ran.logs().contains("chmod: /tmp/f: Operation not permitted"), ran::toString);
    assertEquals(1, ran.exitCode(), ran::toString);
  }

  /**
   * kubectl debug as a user types it: an unprivileged debugger that shows what it got and tries
   * chmod.
   */
  private static Cluster.Kubectl debug(Pod target) {
    return cluster.kubectl(
        "-n",
        NS,
        "debug",
        target.getMetadata().getName(),
        "--image=" + TestPods.IMAGE,
        "--image-pull-policy=Never",
        "-c",
        "debugger",
        "--",
        "sh",
        "-c",
        SHOW_STATUS + "; touch /tmp/f && chmod 600 /tmp/f");
  }

  /** A refusal names the container, the field and the object that forbids it. */
  private static void assertRefusal(String message, String container, String field) {
    assertTrue(message.contains("container " + container), message);
    assertTrue(message.contains(field), message);
    assertTrue(
        message.contains("SeccompProfile " + PROFILE)
            || message.contains("CapabilityPolicy " + POLICY),
        message);
  }

  /** A pod that keeps running, to add ephemeral containers to. */
  private static Pod runningTarget(String name) {
    Pod target = pods.create(TestPods.pod(NS, name, Map.of(), null, "sleep", "3600").build());
    return cluster.client.pods().resource(target).waitUntilReady(2, TimeUnit.MINUTES);
  }

  private static EphemeralContainer debugger(String name, SecurityContext securityContext) {
    return new EphemeralContainerBuilder()
        .withName(name)
        .withImage(TestPods.IMAGE)
        .withImagePullPolicy("Never")
        .withTerminationMessagePolicy("File")
        .withCommand("sh", "-c", SHOW_STATUS)
        .withSecurityContext(securityContext)
        .build();
  }

  /**
   * Adds an ephemeral container as kubectl debug does, through the pods/ephemeralcontainers
   * subresource; the body is written out so that any securityContext can be asked for, which
   * kubectl debug does not offer.
   */
  private static Cluster.Kubectl addEphemeralContainer(Pod target, EphemeralContainer container)
      throws IOException {
    String name = target.getMetadata().getName();
    Object body;
    if (cluster.minorVersion() < 22) {
      // Kubernetes 1.16 to 1.21: the subresource reads and replaces an EphemeralContainers object.
      body =
          Map.of(
              "apiVersion",
              "v1",
              "kind",
              "EphemeralContainers",
              "metadata",
              Map.of("name", name, "namespace", NS),
              "ephemeralContainers",
              List.of(container));
    } else {
      // From 1.22: the Pod itself, with the new container appended.
      Pod current = cluster.client.pods().inNamespace(NS).withName(name).get();
      current.getSpec().getEphemeralContainers().add(container);
      body = current;
    }
    Path file = Files.createTempFile("ephemeral-containers", ".json");
    try {
      Files.writeString(file, cluster.client.getKubernetesSerialization().asJson(body));
      return cluster.kubectl(
          "replace",
          "--raw",
          "/api/v1/namespaces/" + NS + "/pods/" + name + "/ephemeralcontainers",
          "-f",
          file.toString());
    } finally {
      Files.delete(file);
    }
  }

  /** The ephemeral container as stored in the pod, or null. */
  private static EphemeralContainer ephemeralContainer(Pod target, String name) {
    Pod stored = cluster.client.pods().resource(target).get();
    return stored.getSpec().getEphemeralContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElse(null);
  }

  /** The value of one line of /proc/self/status in a container's log ("CapEff", "Seccomp"). */
  private static String field(String logs, String name) {
    return logs.lines()
        .filter(l -> l.startsWith(name + ":"))
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .findFirst()
        .orElse(null);
  }
}
