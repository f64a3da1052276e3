package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator and two agents ("nodes" n1 and n2, each with its own seccomp root) against a real
 * kube-apiserver. Every test has a namespace of its own, so they share one API server.
 */
class SeccompProfileOperatorIT {
  private static final Duration T = Duration.ofSeconds(30);

  @RegisterExtension
  static final Cluster cluster = new Cluster().nodes("n1", "n2").operator().agents();

  static Path file(String node, String ns, String name) {
    return cluster.nodeRoot(node).resolve("leastprivilege").resolve(ns).resolve(name + ".json");
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String profileYaml(String ns, String name, String extra, String... syscalls) {
    return """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          architectures: [SCMP_ARCH_X86_64]
        %s  syscalls:
            - names: [%s]
              action: SCMP_ACT_ALLOW
        """
        .formatted(name, ns, extra, String.join(", ", syscalls));
  }

  /** The phase, for the profile's current generation. */
  static void awaitPhase(String ns, String name, ProfilePhase phase) {
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              SeccompProfile p = cluster.profile(ns, name);
              assertTrue(
                  p.getStatus() != null
                      && p.getStatus().getPhase() == phase
                      && p.getMetadata()
                          .getGeneration()
                          .equals(p.getStatus().getObservedGeneration()),
                  () ->
                      phase
                          + " expected: "
                          + cluster.client().getKubernetesSerialization().asYaml(p));
            });
  }

  static KubernetesClient client() {
    return cluster.client();
  }

  static void apply(String yaml) {
    cluster.apply(yaml);
  }

  /** The rendered-profile ConfigMap the operator publishes for the agents, or null. */
  static ConfigMap published(String ns, String name) {
    return client()
        .configMaps()
        .inNamespace(Cluster.OPERATOR_NS)
        .withName(RenderedProfileConfigMap.nameFor(ns, name))
        .get();
  }

  /**
   * The content hash a node's report says it has of the profile's current publish, read as the
   * operator reads it: empty when the node has not got that far or lists the profile as failed.
   */
  static Optional<String> reported(String node, String ns, String name) {
    return NodeReports.installed(client(), node, published(ns, name));
  }

  @Test
  void createInstallsOnEveryNodeAndReports(@TestNamespace String ns) throws Exception {
    apply(profileYaml(ns, "web", "", "read", "write", "exit_group"));
    awaitPhase(ns, "web", ProfilePhase.Installed);
    SeccompProfile p = cluster.profile(ns, "web");
    assertEquals("2/2", p.getStatus().getInstalledOn());
    assertEquals("leastprivilege/" + ns + "/web.json", p.getStatus().getLocalhostProfile());
    assertEquals("True", p.getStatus().getConditions().get(0).getStatus());
    String onNode = Files.readString(file("n1", ns, "web"));
    assertEquals(onNode, Files.readString(file("n2", ns, "web")));
    assertTrue(onNode.contains("\"exit_group\""), onNode);
    assertEquals(
        p.getStatus().getContentHash(), ContentHash.of(Files.readAllBytes(file("n1", ns, "web"))));
    // one NodeProfileStatus per node, which has reached the profile's publish
    assertEquals(Optional.of(p.getStatus().getContentHash()), reported("n1", ns, "web"));
    NodeProfileStatus n1 = client().resources(NodeProfileStatus.class).withName("n1").get();
    assertEquals(0, n1.getStatus().getFailedCount());
  }

  @Test
  void updateReachesTheFiles(@TestNamespace String ns) {
    apply(profileYaml(ns, "api", "", "read"));
    awaitPhase(ns, "api", ProfilePhase.Installed);
    String before = cluster.profile(ns, "api").getStatus().getContentHash();
    apply(profileYaml(ns, "api", "", "read", "openat"));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(read(file("n2", ns, "api")).contains("openat"), "n2 file not updated"));
    awaitPhase(ns, "api", ProfilePhase.Installed);
    assertFalse(before.equals(cluster.profile(ns, "api").getStatus().getContentHash()));
  }

  @Test
  void aBaseChangeReRendersItsChildren(@TestNamespace String ns) throws Exception {
    apply(profileYaml(ns, "team-base", "", "read"));
    apply(profileYaml(ns, "app", "  baseProfileName: team-base\n", "write"));
    awaitPhase(ns, "app", ProfilePhase.Installed);
    assertFalse(Files.readString(file("n1", ns, "app")).contains("\"close\""));
    apply(profileYaml(ns, "team-base", "", "read", "close"));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    read(file("n1", ns, "app")).contains("\"close\""),
                    () -> "child not re-rendered: " + cluster.profile(ns, "app").getStatus()));
  }

  @Test
  void invalidSpecIsReportedAndTheLastGoodFileKept(@TestNamespace String ns) throws Exception {
    apply(profileYaml(ns, "svc", "", "read"));
    awaitPhase(ns, "svc", ProfilePhase.Installed);
    String good = Files.readString(file("n1", ns, "svc"));
    String goodHash = ContentHash.of(Files.readAllBytes(file("n1", ns, "svc")));
    apply(profileYaml(ns, "svc", "", "read", "chmodd"));
    // The operator has reconciled the invalid generation: the nodes' source, the ConfigMap, still
    // has the good file.
    awaitPhase(ns, "svc", ProfilePhase.Failed);
    SeccompProfile p = cluster.profile(ns, "svc");
    assertEquals("False", p.getStatus().getConditions().get(0).getStatus());
    assertEquals("InvalidSpec", p.getStatus().getConditions().get(0).getReason());
    assertEquals(
        "spec.syscalls[0].names[1]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64 (did you mean"
            + " \"chmod\"?); the nodes keep the last valid version",
        p.getStatus().getConditions().get(0).getMessage());
    assertEquals(goodHash, p.getStatus().getContentHash());
    assertEquals(Optional.of(goodHash), RenderedProfileConfigMap.contentHash(published(ns, "svc")));
    for (String node : new String[] {"n1", "n2"}) {
      assertEquals(Optional.of(goodHash), reported(node, ns, "svc"), node);
    }
    assertEquals(good, Files.readString(file("n1", ns, "svc")));
    assertEquals(good, Files.readString(file("n2", ns, "svc")));
  }

  @Test
  void namesOfOtherArchitecturesInstallWithAWarning(@TestNamespace String ns) throws Exception {
    // The shape of SPO's and Docker's profiles: 32-bit x86 names in an x86_64 profile.
    apply(profileYaml(ns, "i386-names", "", "read", "vm86old", "stime"));
    awaitPhase(ns, "i386-names", ProfilePhase.Installed);
    SeccompProfile p = cluster.profile(ns, "i386-names");
    assertEquals("True", p.getStatus().getConditions().get(0).getStatus());
    List<String> foreign =
        p.getStatus().getWarnings().stream()
            .filter(w -> w.contains("is a system call on"))
            .toList();
    assertEquals(1, foreign.size(), () -> p.getStatus().getWarnings().toString());
    assertTrue(
        foreign
            .get(0)
            .startsWith(
                "spec.syscalls: 2 names are not a system call on SCMP_ARCH_X86_64: \"vm86old\""
                    + " (spec.syscalls[0].names[1]) is a system call on SCMP_ARCH_X86; \"stime\""
                    + " (spec.syscalls[0].names[2]) is a system call on"),
        foreign::toString);
    assertTrue(Files.readString(file("n1", ns, "i386-names")).contains("\"vm86old\""));
  }

  @Test
  void theSchemaRefusesWhatItCanOnItsOwn(@TestNamespace String ns) {
    KubernetesClientException badAction =
        assertThrows(
            KubernetesClientException.class,
            () ->
                apply(
                    """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: bad-action, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_NOPE
        """
                        .formatted(ns)));
    assertTrue(badAction.getMessage().contains("spec.defaultAction"), badAction.getMessage());
    KubernetesClientException sevenArgs =
        assertThrows(
            KubernetesClientException.class,
            () ->
                apply(
                    """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: seven-args, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - names: [ioctl]
              action: SCMP_ACT_ALLOW
              args: [{index: 0, value: 1, op: SCMP_CMP_EQ}, {index: 1, value: 1, op: SCMP_CMP_EQ},
                     {index: 2, value: 1, op: SCMP_CMP_EQ}, {index: 3, value: 1, op: SCMP_CMP_EQ},
                     {index: 4, value: 1, op: SCMP_CMP_EQ}, {index: 5, value: 1, op: SCMP_CMP_EQ},
                     {index: 6, value: 1, op: SCMP_CMP_EQ}]
        """
                        .formatted(ns)));
    assertTrue(
        sevenArgs.getMessage().contains("spec.syscalls.args in body should have at most 6 items"),
        sevenArgs.getMessage());
    KubernetesClientException errno =
        assertThrows(
            KubernetesClientException.class,
            () ->
                apply(
                    """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: bad-errno, namespace: %s}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          defaultErrnoRet: -1
        """
                        .formatted(ns)));
    assertTrue(errno.getMessage().contains("spec.defaultErrnoRet"), errno.getMessage());
  }

  @Test
  void aProfileInUseIsNotDeletedUntilItsPodsAreGone(@TestNamespace String ns) {
    apply(profileYaml(ns, "busy", "", "read"));
    awaitPhase(ns, "busy", ProfilePhase.Installed);
    // No uses-profiles label: a tenant can remove it from a running pod, so "in use" must come from
    // the spec.
    Pod pod =
        client()
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("busy-1")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("app")
                    .withImage("busybox")
                    .withNewSecurityContext()
                    .withNewSeccompProfile()
                    .withType("Localhost")
                    .withLocalhostProfile("leastprivilege/" + ns + "/busy.json")
                    .endSeccompProfile()
                    .endSecurityContext()
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    String busy1 = ns + "/busy-1";
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster.profile(ns, "busy").getStatus().getActiveWorkloads().contains(busy1),
                    () -> "pod not seen: " + cluster.profile(ns, "busy").getStatus()));

    client().resources(SeccompProfile.class).inNamespace(ns).withName("busy").delete();
    awaitPhase(ns, "busy", ProfilePhase.Terminating);
    assertTrue(
        cluster
            .profile(ns, "busy")
            .getStatus()
            .getConditions()
            .get(0)
            .getMessage()
            .contains(busy1));
    // The operator has handled the deletion (Terminating at the current generation, and the event
    // it sends then)
    // and kept the ConfigMap the agents install from, so the file stays.
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    client().v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(
                            e -> "InUse".equals(e.getReason()) && e.getMessage().contains(busy1)),
                    "no event"));
    assertTrue(published(ns, "busy") != null, "the ConfigMap stays while the pod runs");
    assertTrue(reported("n1", ns, "busy").isPresent(), "n1 still reports the profile installed");
    assertTrue(Files.exists(file("n1", ns, "busy")), "the file stays while the pod runs");

    client().resource(pod).withGracePeriod(0).delete();
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster.profile(ns, "busy") == null,
                    () -> "profile still there: " + cluster.profile(ns, "busy").getStatus()));
    assertFalse(Files.exists(file("n1", ns, "busy")));
    assertFalse(Files.exists(file("n2", ns, "busy")));
    assertEquals(null, published(ns, "busy"));
  }

  @Test
  void restartedAgentCatchesUpAndRemovesOrphans(@TestNamespace String ns) throws Exception {
    apply(profileYaml(ns, "keep", "", "read"));
    apply(profileYaml(ns, "drop", "", "read"));
    awaitPhase(ns, "drop", ProfilePhase.Installed);
    cluster.stopAgent("n2");
    try {
      client().resources(SeccompProfile.class).inNamespace(ns).withName("drop").delete();
      apply(profileYaml(ns, "late", "", "read"));
      // The ConfigMap becomes a tombstone: the agents remove the file and confirm its revision.
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      RenderedProfileConfigMap.isTombstone(published(ns, "drop")),
                      "drop not replaced by a tombstone"));
      await()
          .atMost(T)
          .untilAsserted(() -> assertTrue(published(ns, "late") != null, "late not published"));
      assertTrue(
          cluster.profile(ns, "drop") != null,
          "deletion waits for n2 to confirm it removed the file");
      assertTrue(Files.exists(file("n2", ns, "drop")), "n2 is down, so its file is still there");
    } finally {
      cluster.restartAgent("n2");
    }
    assertFalse(
        Files.exists(file("n2", ns, "drop")),
        "the orphan is removed before the agent reports ready");
    assertTrue(Files.exists(file("n2", ns, "late")) && Files.exists(file("n2", ns, "keep")));
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster.profile(ns, "drop") == null, "drop not deleted once n2 confirmed"));
    assertEquals(null, published(ns, "drop"), "the tombstone goes with the profile");
    awaitPhase(ns, "late", ProfilePhase.Installed);
  }

  @Test
  void restartedOperatorPicksUpChangesMadeWhileItWasDown(@TestNamespace String ns)
      throws Exception {
    apply(profileYaml(ns, "calm", "", "read"));
    awaitPhase(ns, "calm", ProfilePhase.Installed);
    String installed = cluster.profile(ns, "calm").getStatus().getContentHash();
    cluster.stopOperator();
    try {
      apply(profileYaml(ns, "calm", "", "read", "futex"));
      // The API server has the change; nobody has handled it: the status still describes the
      // previous generation
      // and the ConfigMap the agents install from still has the previous file.
      SeccompProfile stored = cluster.profile(ns, "calm");
      assertNotEquals(
          stored.getMetadata().getGeneration(), stored.getStatus().getObservedGeneration());
      assertEquals(
          Optional.of(installed), RenderedProfileConfigMap.contentHash(published(ns, "calm")));
      assertFalse(Files.readString(file("n1", ns, "calm")).contains("futex"));
    } finally {
      cluster.restartOperator();
    }
    await()
        .atMost(T)
        .untilAsserted(
            () -> assertTrue(read(file("n1", ns, "calm")).contains("futex"), "not re-rendered"));
    awaitPhase(ns, "calm", ProfilePhase.Installed);
  }
}
