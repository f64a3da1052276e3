package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator and two agents ("nodes" n1 and n2, each with its own seccomp root) against a real kube-apiserver.
 * Every test uses its own profile names, so they share one API server.
 */
class SeccompProfileOperatorIT {
  private static final String NS = "shop";
  private static final Duration T = Duration.ofSeconds(30);

  static RealApiServer api;
  static KubernetesClient client;
  static Cluster cluster;
  static Operator operator;
  static Agent agent1;
  static Agent agent2;
  @TempDir
  static Path roots;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.start();
    client = api.client();
    cluster = new Cluster(client);
    cluster.namespace(Cluster.OPERATOR_NS);
    cluster.namespace(NS);
    cluster.node("n1");
    cluster.node("n2");
    operator = cluster.startOperator();
    agent1 = cluster.startAgent("n1", roots.resolve("n1"));
    agent2 = cluster.startAgent("n2", roots.resolve("n2"));
  }

  @AfterAll
  static void stop() {
    if (agent1 != null) {
      agent1.close();
    }
    if (agent2 != null) {
      agent2.close();
    }
    if (operator != null) {
      operator.stop();
    }
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static Path file(String node, String name) {
    return roots.resolve(node).resolve("leastprivilege").resolve(NS).resolve(name + ".json");
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static void apply(String yaml) {
    client.resource(client.getKubernetesSerialization().unmarshal(yaml, GenericKubernetesResource.class))
        .inNamespace(NS).serverSideApply();
  }

  static String profileYaml(String name, String extra, String... syscalls) {
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
        """.formatted(name, NS, extra, String.join(", ", syscalls));
  }

  static void awaitPhase(String name, ProfilePhase phase) {
    Await.until(T, () -> {
      SeccompProfile p = cluster.profile(NS, name);
      return p.getStatus() != null && p.getStatus().getPhase() == phase
          && p.getStatus().getObservedGeneration().equals(p.getMetadata().getGeneration());
    }, () -> client.getKubernetesSerialization().asYaml(cluster.profile(NS, name)));
  }

  @Test
  void createInstallsOnEveryNodeAndReports() throws Exception {
    apply(profileYaml("web", "", "read", "write", "exit_group"));
    awaitPhase("web", ProfilePhase.Installed);
    SeccompProfile p = cluster.profile(NS, "web");
    assertEquals("2/2", p.getStatus().getInstalledOn());
    assertEquals("leastprivilege/shop/web.json", p.getStatus().getLocalhostProfile());
    assertEquals("True", p.getStatus().getConditions().get(0).getStatus());
    String onNode = Files.readString(file("n1", "web"));
    assertEquals(onNode, Files.readString(file("n2", "web")));
    assertTrue(onNode.contains("\"exit_group\""), onNode);
    assertEquals(p.getStatus().getContentHash(), dev.leastprivilege.core.render.ContentHash.of(
        Files.readAllBytes(file("n1", "web"))));
    // one NodeProfileStatus per node, listing the profile by hash
    NodeProfileStatus n1 = client.resources(NodeProfileStatus.class).withName("n1").get();
    assertTrue(n1.getStatus().getInstalled().stream().anyMatch(i -> i.getName().equals("web")
        && i.getContentHash().equals(p.getStatus().getContentHash())));
    assertTrue(client.configMaps().inNamespace(Cluster.OPERATOR_NS)
        .withName(RenderedProfileConfigMap.nameFor(NS, "web")).get() != null);
  }

  @Test
  void updateReachesTheFiles() throws Exception {
    apply(profileYaml("api", "", "read"));
    awaitPhase("api", ProfilePhase.Installed);
    String before = cluster.profile(NS, "api").getStatus().getContentHash();
    apply(profileYaml("api", "", "read", "openat"));
    Await.until(T, () -> read(file("n2", "api")).contains("openat"), () -> "n2 file not updated");
    awaitPhase("api", ProfilePhase.Installed);
    assertFalse(before.equals(cluster.profile(NS, "api").getStatus().getContentHash()));
  }

  @Test
  void aBaseChangeReRendersItsChildren() throws Exception {
    apply(profileYaml("team-base", "", "read"));
    apply(profileYaml("app", "  baseProfileName: team-base\n", "write"));
    awaitPhase("app", ProfilePhase.Installed);
    assertFalse(Files.readString(file("n1", "app")).contains("\"close\""));
    apply(profileYaml("team-base", "", "read", "close"));
    Await.until(T, () -> read(file("n1", "app")).contains("\"close\""),
        () -> "child not re-rendered: " + cluster.profile(NS, "app").getStatus());
  }

  @Test
  void invalidSpecIsReportedAndTheLastGoodFileKept() throws Exception {
    apply(profileYaml("svc", "", "read"));
    awaitPhase("svc", ProfilePhase.Installed);
    String good = Files.readString(file("n1", "svc"));
    apply(profileYaml("svc", "", "read", "chmodd"));
    awaitPhase("svc", ProfilePhase.Failed);
    SeccompProfile p = cluster.profile(NS, "svc");
    assertEquals("False", p.getStatus().getConditions().get(0).getStatus());
    assertEquals("InvalidSpec", p.getStatus().getConditions().get(0).getReason());
    assertEquals("spec.syscalls[0].names[1]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64 (did you mean"
        + " \"chmod\"?); the nodes keep the last valid version", p.getStatus().getConditions().get(0).getMessage());
    Thread.sleep(500);
    assertEquals(good, Files.readString(file("n1", "svc")));
    assertEquals(good, Files.readString(file("n2", "svc")));
  }

  @Test
  void theSchemaRefusesWhatItCanOnItsOwn() {
    KubernetesClientException badAction = assertThrows(KubernetesClientException.class, () -> apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: bad-action, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_NOPE
        """));
    assertTrue(badAction.getMessage().contains("spec.defaultAction"), badAction.getMessage());
    KubernetesClientException sevenArgs = assertThrows(KubernetesClientException.class, () -> apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: seven-args, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - names: [ioctl]
              action: SCMP_ACT_ALLOW
              args: [{index: 0, value: 1, op: SCMP_CMP_EQ}, {index: 1, value: 1, op: SCMP_CMP_EQ},
                     {index: 2, value: 1, op: SCMP_CMP_EQ}, {index: 3, value: 1, op: SCMP_CMP_EQ},
                     {index: 4, value: 1, op: SCMP_CMP_EQ}, {index: 5, value: 1, op: SCMP_CMP_EQ},
                     {index: 6, value: 1, op: SCMP_CMP_EQ}]
        """));
    assertTrue(sevenArgs.getMessage().contains("spec.syscalls.args in body should have at most 6 items"),
        sevenArgs.getMessage());
    KubernetesClientException errno = assertThrows(KubernetesClientException.class, () -> apply("""
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: bad-errno, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          defaultErrnoRet: -1
        """));
    assertTrue(errno.getMessage().contains("spec.defaultErrnoRet"), errno.getMessage());
  }

  @Test
  void aProfileInUseIsNotDeletedUntilItsPodsAreGone() throws Exception {
    apply(profileYaml("busy", "", "read"));
    awaitPhase("busy", ProfilePhase.Installed);
    // No uses-profiles label: a tenant can remove it from a running pod, so "in use" must come from the spec.
    Pod pod = client.resource(new PodBuilder().withNewMetadata().withName("busy-1").withNamespace(NS).endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("busybox")
          .withNewSecurityContext().withNewSeccompProfile().withType("Localhost")
            .withLocalhostProfile("leastprivilege/shop/busy.json").endSeccompProfile().endSecurityContext()
        .endContainer().endSpec().build()).create();
    Await.until(T, () -> cluster.profile(NS, "busy").getStatus().getActiveWorkloads().contains("shop/busy-1"),
        () -> "pod not seen: " + cluster.profile(NS, "busy").getStatus());

    client.resources(SeccompProfile.class).inNamespace(NS).withName("busy").delete();
    awaitPhase("busy", ProfilePhase.Terminating);
    assertTrue(cluster.profile(NS, "busy").getStatus().getConditions().get(0).getMessage()
        .contains("shop/busy-1"));
    Thread.sleep(1000);
    assertTrue(Files.exists(file("n1", "busy")), "the file stays while the pod runs");
    Await.until(T, () -> client.v1().events().inNamespace(NS).list().getItems().stream()
        .anyMatch(e -> "InUse".equals(e.getReason()) && e.getMessage().contains("shop/busy-1")), () -> "no event");

    client.resource(pod).withGracePeriod(0).delete();
    Await.until(T, () -> cluster.profile(NS, "busy") == null, () -> "profile still there: "
        + cluster.profile(NS, "busy").getStatus());
    assertFalse(Files.exists(file("n1", "busy")));
    assertFalse(Files.exists(file("n2", "busy")));
    assertEquals(null, client.configMaps().inNamespace(Cluster.OPERATOR_NS)
        .withName(RenderedProfileConfigMap.nameFor(NS, "busy")).get());
  }

  @Test
  void restartedAgentCatchesUpAndRemovesOrphans() throws Exception {
    apply(profileYaml("keep", "", "read"));
    apply(profileYaml("drop", "", "read"));
    awaitPhase("drop", ProfilePhase.Installed);
    agent2.close();
    try {
      client.resources(SeccompProfile.class).inNamespace(NS).withName("drop").delete();
      apply(profileYaml("late", "", "read"));
      Await.until(T, () -> client.configMaps().inNamespace(Cluster.OPERATOR_NS)
          .withName(RenderedProfileConfigMap.nameFor(NS, "drop")).get() == null, () -> "drop not unpublished");
      Await.until(T, () -> client.configMaps().inNamespace(Cluster.OPERATOR_NS)
          .withName(RenderedProfileConfigMap.nameFor(NS, "late")).get() != null, () -> "late not published");
      assertTrue(cluster.profile(NS, "drop") != null, "deletion waits for n2 to confirm it removed the file");
      assertTrue(Files.exists(file("n2", "drop")), "n2 is down, so its file is still there");
    } finally {
      agent2 = cluster.startAgent("n2", roots.resolve("n2"));
    }
    assertFalse(Files.exists(file("n2", "drop")), "the orphan is removed before the agent reports ready");
    assertTrue(Files.exists(file("n2", "late")) && Files.exists(file("n2", "keep")));
    Await.until(T, () -> cluster.profile(NS, "drop") == null, () -> "drop not deleted once n2 confirmed");
    awaitPhase("late", ProfilePhase.Installed);
  }

  @Test
  void restartedOperatorPicksUpChangesMadeWhileItWasDown() throws Exception {
    apply(profileYaml("calm", "", "read"));
    awaitPhase("calm", ProfilePhase.Installed);
    operator.stop();
    apply(profileYaml("calm", "", "read", "futex"));
    Thread.sleep(500);
    assertFalse(Files.readString(file("n1", "calm")).contains("futex"));
    operator = cluster.startOperator();
    Await.until(T, () -> read(file("n1", "calm")).contains("futex"), () -> "not re-rendered");
    awaitPhase("calm", ProfilePhase.Installed);
  }
}
