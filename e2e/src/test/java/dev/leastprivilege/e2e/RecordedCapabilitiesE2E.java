package dev.leastprivilege.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * "There is no magic tool that will tell you which capabilities are actually required": the
 * recorder reads the kernel's capability checks (capability:cap_capable through tracefs) of the
 * recorded containers, and the produced CapabilityPolicy keeps exactly those.
 */
@ExtendWith(Product.class)
class RecordedCapabilitiesE2E {
  private static final String NS = "recording-caps";
  private static Cluster cluster;
  private static TestPods pods;
  private static Recordings recordings;

  @BeforeAll
  static void recordThreeContainers(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    recordings = new Recordings(cluster);
    recordings.allowedNamespace(NS);
    recordings.start(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: caps, namespace: recording-caps}
        spec:
          podSelector: {matchLabels: {app: caps}}
        """);
    // Root, chowning a file: CHOWN.
    Pod chown = pods.create(pod("chown", "chown", ROOT, "sh", "-c", CHOWN));
    // Not root, binding port 80 (nc carries the file capability cap_net_bind_service+ep):
    // NET_BIND_SERVICE.
    Pod web = pods.create(pod("web", "web", USER, "nc", "-l", "-p", "80", "-w", "2"));
    // Root, doing nothing privileged: no capability. A root process's every fork and mmap asks
    // the kernel for CAP_SYS_ADMIN (security_vm_enough_memory_mm), which means no need.
    Pod idle = pods.create(pod("idle", "idle", ROOT, "ls", "/"));
    for (Pod p : List.of(chown, web, idle)) {
      Recordings.assertRecorded(p, "caps");
    }
    assertEquals(0, pods.awaitOutcome(chown).exitCode());
    assertEquals("nc: timed out\n", pods.awaitOutcome(web).logs());
    assertEquals(0, pods.awaitOutcome(idle).exitCode());
    recordings.awaitContainer(NS, "caps", "chown", c -> !c.getCapabilities().isEmpty());
    recordings.awaitContainer(NS, "caps", "web", c -> !c.getCapabilities().isEmpty());
    recordings.awaitContainer(NS, "caps", "idle", c -> Integer.valueOf(1).equals(c.getReplicas()));
    ProfileRecording done = recordings.stop(NS, "caps");
    assertEquals(3, done.getStatus().getRecordedPods());
  }

  private static final SecurityContext ROOT =
      new SecurityContextBuilder().withRunAsUser(0L).build();
  private static final SecurityContext USER =
      new SecurityContextBuilder().withRunAsUser(1000L).build();
  private static final String CHOWN = "touch /tmp/f && chown 1000 /tmp/f && stat -c %u /tmp/f";

  @Test
  void eachContainerRecordsExactlyTheCapabilitiesItNeeded() {
    ProfileRecording caps =
        cluster.client.resources(ProfileRecording.class).inNamespace(NS).withName("caps").get();
    assertEquals(
        Set.of("CHOWN"),
        Recordings.capabilities(
            Recordings.container(caps.getStatus(), "chown").orElseThrow().getCapabilities()));
    assertEquals(
        Set.of("NET_BIND_SERVICE"),
        Recordings.capabilities(
            Recordings.container(caps.getStatus(), "web").orElseThrow().getCapabilities()));
    assertEquals(
        Set.of(),
        Recordings.capabilities(
            Recordings.container(caps.getStatus(), "idle").orElseThrow().getCapabilities()));

    for (var expected :
        Map.of(
                "chown",
                Set.of("CHOWN"),
                "web",
                Set.of("NET_BIND_SERVICE"),
                "idle",
                Set.<String>of())
            .entrySet()) {
      CapabilityPolicy policy = recordings.capabilityResult(NS, "caps", expected.getKey());
      assertEquals(List.of("ALL"), policy.getSpec().getDrop(), expected.getKey());
      assertEquals(
          expected.getValue(),
          Recordings.capabilities(policy.getSpec().getAdd()),
          expected.getKey());
    }
  }

  @Test
  void theProducedPoliciesEnforcedLetEachWorkloadRunAndChownFailsWithoutCapChown() {
    select("caps-chown", "chown-enforced");
    select("caps-web", "web-enforced");
    select("caps-idle", "chown-denied");

    Pod chown = awaitPatched(pod("chown-enforced", "chown", ROOT, "sh", "-c", CHOWN), "CHOWN");
    // The webhook knows the produced policies by now; by themselves they select no pod, not even
    // the recorded ones.
    // The recorded pod's twin: its labels and container, under a name the recorded pod does not
    // hold (it still exists).
    Pod twin =
        new io.fabric8.kubernetes.api.model.PodBuilder(
                pod("chown", "chown", ROOT, "sh", "-c", CHOWN))
            .editMetadata()
            .withName("chown-twin")
            .endMetadata()
            .build();
    Pod recordedAgain = cluster.client.resource(twin).dryRun().create();
    assertEquals(
        null,
        recordedAgain.getSpec().getContainers().get(0).getSecurityContext().getCapabilities(),
        "a produced policy selects no pod until the user gives it a podSelector");
    TestPods.Outcome chowned = pods.awaitOutcome(pods.create(chown));
    assertEquals("1000\n", chowned.logs(), chowned::toString);

    Pod web =
        awaitPatched(
            pod("web-enforced", "web", USER, "nc", "-l", "-p", "80", "-w", "2"),
            "NET_BIND_SERVICE");
    TestPods.Outcome bound = pods.awaitOutcome(pods.create(web));
    assertEquals("nc: timed out\n", bound.logs(), bound::toString);

    // The idle container's policy keeps nothing: chown in a pod under it fails.
    Pod denied = awaitPatched(pod("chown-denied", "idle", ROOT, "sh", "-c", CHOWN), null);
    TestPods.Outcome refused = pods.awaitOutcome(pods.create(denied));
    assertEquals(1, refused.exitCode(), refused::toString);
    assertTrue(refused.logs().contains("Operation not permitted"), refused::toString);
  }

  /** The user's last step: give the produced policy a podSelector. */
  private static void select(String policy, String app) {
    cluster
        .client
        .resources(CapabilityPolicy.class)
        .inNamespace(NS)
        .withName(policy)
        .edit(
            p -> {
              PodSelector selector = new PodSelector();
              selector.setMatchLabels(Map.of("app", app));
              p.getSpec().setPodSelector(selector);
              return p;
            });
  }

  /**
   * The pod as the webhook admits it once its caches hold the selected policy (a server-side dry
   * run: admission without creating anything): drop ALL, and add only the given capability.
   */
  private static Pod awaitPatched(Pod pod, String added) {
    pods.delete(NS, pod.getMetadata().getName());
    Set<String> expected = added == null ? Set.of() : Set.of(added);
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              Pod admitted = cluster.client.resource(pod).dryRun().create();
              var caps =
                  admitted.getSpec().getContainers().get(0).getSecurityContext().getCapabilities();
              assertEquals(
                  "drop " + List.of("ALL") + " add " + expected,
                  caps == null
                      ? "no capabilities set"
                      : "drop " + caps.getDrop() + " add " + Recordings.capabilities(caps.getAdd()),
                  pod.getMetadata().getName() + " as admitted");
            });
    return pod;
  }

  private static Pod pod(String name, String container, SecurityContext sc, String... command) {
    return TestPods.pod(
            NS, name, Map.of("app", name.equals(container) ? "caps" : name), sc, command)
        .editSpec()
        .editFirstContainer()
        .withName(container)
        .endContainer()
        .endSpec()
        .build();
  }
}
