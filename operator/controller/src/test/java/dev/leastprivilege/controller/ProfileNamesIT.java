package dev.leastprivilege.controller;

import static dev.leastprivilege.controller.SeccompProfileOperatorIT.profileYaml;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Names at their limits, ConfigMaps that belong to someone else, and files the nodes keep when the
 * ConfigMaps go: the operator and two agents against a real kube-apiserver, with real files.
 */
class ProfileNamesIT {
  private static final Duration T = Duration.ofSeconds(30);

  @RegisterExtension
  static final Cluster cluster = new Cluster().nodes("n1", "n2").operator().agents();

  private static void awaitPhase(String ns, String name, ProfilePhase phase) {
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
                  () -> phase + " expected: " + client().getKubernetesSerialization().asYaml(p));
            });
  }

  private static KubernetesClient client() {
    return cluster.client();
  }

  private static Path file(String node, ProfileRef ref) {
    return cluster.nodeRoot(node).resolve(ref.localhostProfile());
  }

  private static ConfigMap configMap(String name) {
    return client().configMaps().inNamespace(Cluster.OPERATOR_NS).withName(name).get();
  }

  /** A name of exactly {@code length} characters that ends in {@code tail}. */
  private static String nameOf(int length, String tail) {
    return "n".repeat(length - tail.length()) + tail;
  }

  @Test
  void aProfileWithTheLongestNameTheApiAllowsInstallsAndGoes(@TestNamespace String ns) {
    ProfileRef ref = new ProfileRef(ns, nameOf(ApiNames.MAX_NAME_LENGTH, "z"));
    cluster.apply(profileYaml(ns, ref.name(), "", "read", "exit_group"));
    awaitPhase(ns, ref.name(), ProfilePhase.Installed);
    SeccompProfile p = cluster.profile(ns, ref.name());
    assertEquals(ref.localhostProfile(), p.getStatus().getLocalhostProfile());
    for (String node : new String[] {"n1", "n2"}) {
      assertTrue(Files.exists(file(node, ref)), node + " has " + ref.localhostProfile());
    }

    // A pod that uses it (by its path, which does not spell the name) holds the deletion.
    Pod pod =
        client()
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("user")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("app")
                    .withImage("busybox")
                    .withNewSecurityContext()
                    .withNewSeccompProfile()
                    .withType("Localhost")
                    .withLocalhostProfile(ref.localhostProfile())
                    .endSeccompProfile()
                    .endSecurityContext()
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    cluster
                        .profile(ns, ref.name())
                        .getStatus()
                        .getActiveWorkloads()
                        .contains(ns + "/user"),
                    "the pod is counted as using it"));
    client().resource(p).delete();
    awaitPhase(ns, ref.name(), ProfilePhase.Terminating);
    assertTrue(Files.exists(file("n1", ref)), "kept while the pod uses it");
    client().resource(pod).withGracePeriod(0).delete();
    await()
        .atMost(T)
        .untilAsserted(() -> assertNull(cluster.profile(ns, ref.name()), "deletion finished"));
    assertFalse(Files.exists(file("n1", ref)) || Files.exists(file("n2", ref)), "file removed");
  }

  @Test
  void twoLongNamesThatShareA32BitHashGetTwoConfigMapsAndTwoFiles(@TestNamespace String ns)
      throws Exception {
    // "c0" and "an" have the same String hash, and so have the two identities.
    String a = nameOf(240, "c0");
    String b = nameOf(240, "an");
    assertEquals((ns + "/" + a).hashCode(), (ns + "/" + b).hashCode(), "the premise");
    cluster.apply(profileYaml(ns, a, "", "read"));
    awaitPhase(ns, a, ProfilePhase.Installed);
    cluster.apply(profileYaml(ns, b, "", "write"));
    awaitPhase(ns, b, ProfilePhase.Installed);
    awaitPhase(ns, a, ProfilePhase.Installed);
    String cmA = RenderedProfileConfigMap.nameFor(ns, a);
    String cmB = RenderedProfileConfigMap.nameFor(ns, b);
    assertNotEquals(cmA, cmB);
    assertEquals(
        new RenderedProfileConfigMap.Identity(ns, a),
        RenderedProfileConfigMap.identity(configMap(cmA)).orElseThrow());
    assertEquals(
        new RenderedProfileConfigMap.Identity(ns, b),
        RenderedProfileConfigMap.identity(configMap(cmB)).orElseThrow());
    assertTrue(Files.readString(file("n1", new ProfileRef(ns, a))).contains("\"read\""));
    assertTrue(Files.readString(file("n1", new ProfileRef(ns, b))).contains("\"write\""));
  }

  @Test
  void theOperatorNeverWritesNorDeletesAConfigMapThatRendersAnotherProfile(
      @TestNamespace String ns) {
    // A ConfigMap under web's name that renders another profile (a colliding name, or put there).
    ConfigMap squatter =
        RenderedProfileConfigMap.build(
            Cluster.OPERATOR_NS,
            ns,
            "other",
            "{}".getBytes(StandardCharsets.UTF_8),
            ContentHash.of("{}".getBytes(StandardCharsets.UTF_8)));
    squatter.getMetadata().setName(RenderedProfileConfigMap.nameFor(ns, "web"));
    client().resource(squatter).create();
    String before = configMap(squatter.getMetadata().getName()).getMetadata().getResourceVersion();

    cluster.apply(profileYaml(ns, "web", "", "read"));
    awaitPhase(ns, "web", ProfilePhase.Failed);
    SeccompProfile web = cluster.profile(ns, "web");
    String message = web.getStatus().getConditions().get(0).getMessage();
    assertTrue(message.contains("renders profile " + ns + "/other"), message);
    await()
        .atMost(T)
        .untilAsserted(
            () ->
                assertTrue(
                    client().v1().events().inNamespace(ns).list().getItems().stream()
                        .anyMatch(e -> "ConfigMapConflict".equals(e.getReason())),
                    "a ConfigMapConflict event"));
    assertEquals(
        before,
        configMap(squatter.getMetadata().getName()).getMetadata().getResourceVersion(),
        "not written");

    client().resource(web).delete();
    await().atMost(T).untilAsserted(() -> assertNull(cluster.profile(ns, "web"), "deleted"));
    ConfigMap after = configMap(squatter.getMetadata().getName());
    assertNotNull(after, "not deleted with web");
    assertEquals(before, after.getMetadata().getResourceVersion());
  }

  /** The name a version before this one gave a long profile's ConfigMap (a 32-bit hash). */
  private static String earlierName(String ns, String name) {
    String full = "seccomp." + ns + "." + name;
    String hash = Integer.toHexString((ns + "/" + name).hashCode() & 0x7fffffff);
    return full.substring(0, ApiNames.MAX_NAME_LENGTH - hash.length() - 1).replaceAll("[.-]+$", "")
        + "-"
        + hash;
  }

  @Test
  void aConfigMapUnderAnEarlierVersionsNameIsReplacedAndTheFileStays(@TestNamespace String ns)
      throws Exception {
    ProfileRef ref = new ProfileRef(ns, nameOf(245, "e"));
    byte[] json = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}".getBytes(StandardCharsets.UTF_8);
    ConfigMap earlier =
        RenderedProfileConfigMap.build(
            Cluster.OPERATOR_NS, ns, ref.name(), json, ContentHash.of(json));
    String earlierName = earlierName(ns, ref.name());
    assertNotEquals(RenderedProfileConfigMap.nameFor(ns, ref.name()), earlierName);
    earlier.getMetadata().setName(earlierName);
    client().resource(earlier).create();

    cluster.apply(profileYaml(ns, ref.name(), "", "read"));
    awaitPhase(ns, ref.name(), ProfilePhase.Installed);
    await()
        .atMost(T)
        .untilAsserted(() -> assertNull(configMap(earlierName), "the earlier ConfigMap removed"));
    // A later change the agents apply after the earlier ConfigMap's deletion (the watch's order).
    cluster.apply(profileYaml(ns, "later", "", "read"));
    awaitPhase(ns, "later", ProfilePhase.Installed);
    for (String node : new String[] {"n1", "n2"}) {
      assertTrue(Files.readString(file(node, ref)).contains("\"read\""), node + " keeps it");
    }
  }

  @Test
  void nodesKeepTheFilesOfExistingProfilesWhenTheConfigMapsAreGone(@TestNamespace String ns)
      throws Exception {
    ProfileRef web = new ProfileRef(ns, "web");
    ProfileRef gone = new ProfileRef(ns, "gone");
    cluster.apply(profileYaml(ns, web.name(), "", "read"));
    awaitPhase(ns, web.name(), ProfilePhase.Installed);
    cluster.stopOperator();
    cluster.stopAgent("n2");
    try {
      // As an uninstall does: the ConfigMaps go, the profiles stay. n1's agent sees them go.
      client()
          .configMaps()
          .inNamespace(Cluster.OPERATOR_NS)
          .withLabel(RenderedProfileConfigMap.NAMESPACE_LABEL, ns)
          .delete();
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertNull(
                      configMap(RenderedProfileConfigMap.nameFor(ns, web.name())), "deleted"));
      // A file of a profile that no longer exists, left on n2 while its agent was down.
      Files.writeString(file("n2", gone), "{}");
      cluster.restartAgent("n2");
      assertTrue(Files.exists(file("n2", web)), "n2 keeps the file of a profile that exists");
      assertFalse(Files.exists(file("n2", gone)), "n2 removes the file of a deleted profile");
      // A ConfigMap published after the deletions: once n1 has written its file, n1 has applied
      // the deletions before it (the watch's order), and web's file is still there.
      ProfileRef marker = new ProfileRef(ns, "marker");
      byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
      client()
          .resource(
              RenderedProfileConfigMap.build(
                  Cluster.OPERATOR_NS, ns, marker.name(), json, ContentHash.of(json)))
          .create();
      await()
          .atMost(T)
          .untilAsserted(() -> assertTrue(Files.exists(file("n1", marker)), "n1 got the marker"));
      assertTrue(Files.exists(file("n1", web)), "n1 keeps it after seeing the ConfigMap go");
    } finally {
      cluster.restartOperator();
    }
    awaitPhase(ns, web.name(), ProfilePhase.Installed);
    assertNotNull(configMap(RenderedProfileConfigMap.nameFor(ns, web.name())), "published again");
  }
}
