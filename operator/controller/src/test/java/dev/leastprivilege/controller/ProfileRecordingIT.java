package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecordedPod;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.NodeRecordingSpec;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ProfileRecording reconciler on a real kube-apiserver, with an agent on each of three nodes
 * (so that the recording profile really gets installed) and the nodes' recorder reports written by
 * the test, as the three nodes' recorders would write them.
 */
class ProfileRecordingIT {
  private static final Duration T = Duration.ofSeconds(45);
  private static final List<String> NODES = List.of("r1", "r2", "r3");

  @RegisterExtension
  static final Cluster cluster = new Cluster().nodes("r1", "r2", "r3").operator().agents();

  static KubernetesClient client() {
    return cluster.client();
  }

  static void allowRecording(String ns) {
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
  }

  static void record(String ns, String name, String extra) {
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: %s, namespace: %s}
        spec:
          podSelector: {matchLabels: {app: %s}}
        %s"""
            .formatted(name, ns, name, extra));
  }

  static void stop(String ns, String name) {
    client()
        .resources(ProfileRecording.class)
        .inNamespace(ns)
        .withName(name)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"stop\":true}}");
  }

  static ProfileRecording recording(String ns, String name) {
    return client().resources(ProfileRecording.class).inNamespace(ns).withName(name).get();
  }

  static ProfileRecording awaitRecording(
      String ns, String name, String what, Predicate<ProfileRecordingStatus> until) {
    await(what)
        .atMost(T)
        .untilAsserted(
            () -> {
              ProfileRecording r = recording(ns, name);
              assertTrue(
                  r.getStatus() != null && until.test(r.getStatus()),
                  () -> what + ": " + client().getKubernetesSerialization().asYaml(r));
            });
    return recording(ns, name);
  }

  static Predicate<ProfileRecordingStatus> phase(RecordingPhase phase) {
    return s -> s.getPhase() == phase;
  }

  /** A pod the webhook admitted for the recording (no kubelet runs it: it exists, that is all). */
  static Pod recordedPod(String ns, String recording, String name) {
    return client()
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .withLabels(Map.of("app", recording))
                .withAnnotations(Map.of(ApiNames.RECORDING_ANNOTATION, recording))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  static NodeRecordedPod reported(
      String recording, Pod pod, List<String> syscalls, String... caps) {
    NodeRecordedContainer c = new NodeRecordedContainer();
    c.setName("app");
    c.setSyscalls(new ArrayList<>(syscalls));
    c.setCapabilities(new ArrayList<>(List.of(caps)));
    c.setRecords((long) syscalls.size());
    c.setSyscallsRecorded(true);
    NodeRecordedPod p = new NodeRecordedPod();
    p.setRecording(recording);
    p.setNamespace(pod.getMetadata().getNamespace());
    p.setPod(pod.getMetadata().getName());
    p.setUid(pod.getMetadata().getUid());
    p.setContainers(new ArrayList<>(List.of(c)));
    return p;
  }

  /** Writes a node's report as its recorder would: the object once, then its status. */
  static void report(String node, NodeRecordingStatus status) {
    var reports = client().resources(NodeRecording.class);
    NodeRecording existing = reports.withName(node).get();
    if (existing == null) {
      NodeRecording r = new NodeRecording();
      r.setMetadata(new ObjectMetaBuilder().withName(node).build());
      NodeRecordingSpec spec = new NodeRecordingSpec();
      spec.setNodeName(node);
      r.setSpec(spec);
      existing = reports.resource(r).create();
    }
    status.setLastReportTime(Instant.now().toString());
    if (status.getSeccompSource() == null) {
      status.setSeccompSource("kmsg");
    }
    if (status.getCapabilitySource() == null) {
      status.setCapabilitySource("tracefs");
    }
    existing.setStatus(status);
    reports.resource(existing).updateStatus();
  }

  static NodeRecordingStatus pods(long lost, NodeRecordedPod... pods) {
    NodeRecordingStatus s = new NodeRecordingStatus();
    s.setLostRecords(lost);
    s.setUnattributedRecords(0L);
    // as the recorder counts them: the node's losses while each pod was recorded
    for (NodeRecordedPod p : pods) {
      p.setLostRecords(lost);
    }
    s.setPods(new ArrayList<>(List.of(pods)));
    return s;
  }

  static Map<String, Integer> coverage(RecordedContainer c) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (SyscallCoverage s : c.getSyscalls()) {
      out.put(s.getName(), s.getReplicas());
    }
    return out;
  }

  static List<Event> events(String ns, String name) {
    return client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  static SeccompProfile profile(String ns, String name) {
    return client().resources(SeccompProfile.class).inNamespace(ns).withName(name).get();
  }

  @Test
  void aNamespaceThatDidNotOptInFailsWithRecordingNotAllowed(@TestNamespace String ns) {
    record(ns, "web", "");
    ProfileRecording r = awaitRecording(ns, "web", "Failed", phase(RecordingPhase.Failed));
    assertEquals(
        ConditionReason.RecordingNotAllowed.name(),
        r.getStatus().getConditions().get(0).getReason());
    assertTrue(
        r.getStatus()
            .getConditions()
            .get(0)
            .getMessage()
            .contains("leastprivilege.dev/recording=allowed"),
        r.getStatus().getConditions().get(0).getMessage());
    assertNull(profile(ns, "web.recording"), "no recording profile without the opt-in");
    await("a Warning event")
        .atMost(T)
        .until(
            () ->
                events(ns, "web").stream()
                    .anyMatch(
                        e -> ConditionReason.RecordingNotAllowed.name().equals(e.getReason())));
    // the administrator opts in: the recording starts
    allowRecording(ns);
    awaitRecording(ns, "web", "Recording", phase(RecordingPhase.Recording));
  }

  @Test
  void anOptedInRecordingMakesItsRecordingProfileAndRecordsOnceItIsInstalled(
      @TestNamespace String ns) {
    allowRecording(ns);
    record(ns, "web", "");
    ProfileRecording r = awaitRecording(ns, "web", "Recording", phase(RecordingPhase.Recording));
    SeccompProfile p = profile(ns, "web.recording");
    assertNotNull(p);
    assertEquals(Mode.Audit, p.getSpec().getMode());
    assertEquals(SeccompAction.SCMP_ACT_ERRNO, p.getSpec().getDefaultAction());
    assertEquals("builtin:runtime-baseline", p.getSpec().getBaseProfileName());
    assertTrue(p.getSpec().getSyscalls().isEmpty());
    assertNull(p.getSpec().getPodSelector());
    assertEquals("web", p.getMetadata().getLabels().get(ApiNames.RECORDED_BY_LABEL));
    // owned by the recording: deleting the recording deletes it (the garbage collector's work)
    var owner = p.getMetadata().getOwnerReferences().get(0);
    assertEquals(r.getMetadata().getUid(), owner.getUid());
    assertEquals("ProfileRecording", owner.getKind());
    assertEquals("leastprivilege.dev/v1alpha1", owner.getApiVersion());
    assertEquals(Boolean.TRUE, owner.getController());
    assertEquals("Installed", p.getStatus().getPhase().name());
    assertEquals("3/3", p.getStatus().getInstalledOn());
  }

  @Test
  void aRecordingIsPendingUntilItsRecordingProfileIsOnEveryNode(@TestNamespace String ns)
      throws Exception {
    allowRecording(ns);
    // r3's agent is down: its pod is still placed there, so r3 must install the profile too
    cluster.stopAgent("r3");
    try {
      record(ns, "slow", "");
      ProfileRecording r =
          awaitRecording(
              ns,
              "slow",
              "Pending on 2 of 3 nodes",
              s ->
                  s.getPhase() == RecordingPhase.Pending
                      && s.getConditions().get(0).getMessage().contains("Installing"));
      assertEquals(
          ConditionReason.WaitingForRecordingProfile.name(),
          r.getStatus().getConditions().get(0).getReason());
      await()
          .pollDelay(Duration.ofSeconds(2))
          .atMost(T)
          .untilAsserted(
              () ->
                  assertEquals(
                      RecordingPhase.Pending, recording(ns, "slow").getStatus().getPhase()));
    } finally {
      cluster.restartAgent("r3");
    }
    awaitRecording(ns, "slow", "Recording", phase(RecordingPhase.Recording));
  }

  @Test
  void aNameTakenByAnotherProfileFails(@TestNamespace String ns) {
    allowRecording(ns);
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: web.recording, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: "builtin:runtime-baseline"}
        """
            .formatted(ns));
    record(ns, "web", "");
    ProfileRecording r = awaitRecording(ns, "web", "Failed", phase(RecordingPhase.Failed));
    assertEquals(
        ConditionReason.RecordingProfileConflict.name(),
        r.getStatus().getConditions().get(0).getReason());
    assertEquals(
        Mode.Enforce,
        java.util.Optional.ofNullable(profile(ns, "web.recording").getSpec().getMode())
            .orElse(Mode.Enforce));
  }

  @Test
  void threeReplicasFoldIntoOneContainerAndStopProducesOneProfileAndPolicyPerContainer(
      @TestNamespace String ns) {
    allowRecording(ns);
    record(ns, "shop", "");
    awaitRecording(ns, "shop", "Recording", phase(RecordingPhase.Recording));
    // 3 replicas of one Deployment, one per node
    Pod a = recordedPod(ns, "shop", "shop-7d9f-a");
    Pod b = recordedPod(ns, "shop", "shop-7d9f-b");
    Pod c = recordedPod(ns, "shop", "shop-7d9f-c");
    report("r1", pods(0, reported("shop", a, List.of("chmod", "mkdir"), "CHOWN")));
    report("r2", pods(0, reported("shop", b, List.of("chmod"))));
    report("r3", pods(0, reported("shop", c, List.of("chmod", "rename"), "CHOWN")));
    ProfileRecording r =
        awaitRecording(
            ns, "shop", "3 pods folded", s -> Integer.valueOf(3).equals(s.getRecordedPods()));
    assertEquals(RecordingPhase.Recording, r.getStatus().getPhase());
    assertEquals(1, r.getStatus().getContainers().size());
    RecordedContainer app = r.getStatus().getContainers().get(0);
    assertEquals("app", app.getName());
    assertEquals(3, app.getReplicas());
    assertEquals(Map.of("chmod", 3, "mkdir", 1, "rename", 1), coverage(app));
    assertEquals(List.of("CHOWN"), app.getCapabilities());

    stop(ns, "shop");
    r = awaitRecording(ns, "shop", "Completed", phase(RecordingPhase.Completed));
    assertEquals(
        List.of("SeccompProfile shop-app app", "CapabilityPolicy shop-app app"),
        r.getStatus().getResults().stream()
            .map(o -> o.getKind() + " " + o.getName() + " " + o.getContainerName())
            .toList());
    SeccompProfile produced = profile(ns, "shop-app");
    assertNull(produced.getSpec().getPodSelector(), "selects no pod");
    assertEquals("shop", produced.getMetadata().getLabels().get(ApiNames.RECORDED_BY_LABEL));
    // no owner: deleting the recording keeps its results
    assertTrue(produced.getMetadata().getOwnerReferences().isEmpty());
    assertEquals(SeccompAction.SCMP_ACT_ERRNO, produced.getSpec().getDefaultAction());
    List<String> allowed = produced.getSpec().getSyscalls().get(0).getNames();
    // the recorded calls, and the base's (runtime-baseline allows execve)
    assertTrue(
        allowed.containsAll(List.of("chmod", "mkdir", "rename", "execve")), allowed.toString());
    assertEquals(SeccompAction.SCMP_ACT_ALLOW, produced.getSpec().getSyscalls().get(0).getAction());
    CapabilityPolicy policy =
        client().resources(CapabilityPolicy.class).inNamespace(ns).withName("shop-app").get();
    assertEquals(List.of("ALL"), policy.getSpec().getDrop());
    assertEquals(List.of("CHOWN"), policy.getSpec().getAdd());
    // valid, and it selects none of the namespace's pods (its three recorded pods are still there)
    await("the produced policy is Ready and selects no pod")
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy now =
                  client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("shop-app")
                      .get();
              assertNotNull(now.getStatus(), "no status yet");
              assertEquals("True", now.getStatus().getConditions().get(0).getStatus());
              assertEquals(0, now.getStatus().getMatchedPods());
            });
    assertEquals(3, client().pods().inNamespace(ns).list().getItems().size());
    // the produced profile is a valid one: the operator installs it like any other
    await("the produced profile is installed")
        .atMost(T)
        .until(
            () ->
                profile(ns, "shop-app").getStatus() != null
                    && "Installed".equals(profile(ns, "shop-app").getStatus().getPhase().name()));
    // the recording profile is deleted; it goes once the nodes confirm its file's removal (no pod
    // uses it), or after the deletion's grace period for nodes that do not confirm
    await("the recording profile is deleted")
        .atMost(T)
        .until(
            () ->
                profile(ns, "shop.recording") == null
                    || profile(ns, "shop.recording").getMetadata().getDeletionTimestamp() != null);
    await("the recording profile is gone")
        .atMost(Duration.ofSeconds(90))
        .until(() -> profile(ns, "shop.recording") == null);
    assertTrue(
        events(ns, "shop").stream().anyMatch(e -> "Completed".equals(e.getReason())),
        "a Completed event");
    // final: a new spec records nothing more
    client()
        .resources(ProfileRecording.class)
        .inNamespace(ns)
        .withName("shop")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"stop\":false}}");
    report("r1", pods(0, reported("shop", a, List.of("ptrace"))));
    await()
        .pollDelay(Duration.ofSeconds(2))
        .atMost(T)
        .untilAsserted(
            () -> {
              ProfileRecording now = recording(ns, "shop");
              assertEquals(RecordingPhase.Completed, now.getStatus().getPhase());
              assertEquals(
                  Map.of("chmod", 3, "mkdir", 1, "rename", 1),
                  coverage(now.getStatus().getContainers().get(0)));
              assertNull(profile(ns, "shop.recording"));
            });
  }

  @Test
  void lostRecordsAreReportedAndTheRecordingEndsWhenItsPodsAreGone(@TestNamespace String ns) {
    allowRecording(ns);
    record(ns, "lossy", "  record: [Seccomp]\n");
    awaitRecording(ns, "lossy", "Recording", phase(RecordingPhase.Recording));
    Pod a = recordedPod(ns, "lossy", "lossy-a");
    report("r1", pods(12, reported("lossy", a, List.of("chmod"))));
    ProfileRecording r =
        awaitRecording(
            ns, "lossy", "lost records", s -> Long.valueOf(12).equals(s.getLostRecords()));
    assertTrue(
        r.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    ConditionReason.RecordsLost.name().equals(c.getType())
                        && "True".equals(c.getStatus())
                        && c.getMessage().contains("may miss calls")),
        () -> client().getKubernetesSerialization().asYaml(r.getStatus()));
    client().pods().inNamespace(ns).withName("lossy-a").withGracePeriod(0).delete();
    ProfileRecording done =
        awaitRecording(ns, "lossy", "Completed", phase(RecordingPhase.Completed));
    String message = done.getStatus().getConditions().get(0).getMessage();
    assertTrue(message.contains("every recorded pod is gone"), message);
    assertTrue(message.contains("12 kernel records were lost"), message);
    // Seccomp only: a profile, no policy
    assertEquals(
        List.of("SeccompProfile lossy-app"),
        done.getStatus().getResults().stream().map(o -> o.getKind() + " " + o.getName()).toList());
    assertNull(
        client().resources(CapabilityPolicy.class).inNamespace(ns).withName("lossy-app").get());
    await("a RecordsLost warning")
        .atMost(T)
        .until(
            () ->
                events(ns, "lossy").stream()
                    .anyMatch(e -> ConditionReason.RecordsLost.name().equals(e.getReason())));
  }

  @Test
  void aResultNameTakenByAnotherObjectIsNotOverwritten(@TestNamespace String ns) {
    allowRecording(ns);
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: taken-app, namespace: %s}
        spec: {drop: [ALL], add: [SYS_ADMIN]}
        """
            .formatted(ns));
    record(ns, "taken", "");
    awaitRecording(ns, "taken", "Recording", phase(RecordingPhase.Recording));
    Pod a = recordedPod(ns, "taken", "taken-a");
    report("r2", pods(0, reported("taken", a, List.of("chmod"), "CHOWN")));
    awaitRecording(ns, "taken", "folded", s -> Integer.valueOf(1).equals(s.getRecordedPods()));
    stop(ns, "taken");
    ProfileRecording r = awaitRecording(ns, "taken", "Failed", phase(RecordingPhase.Failed));
    assertEquals(
        ConditionReason.ResultNameTaken.name(), r.getStatus().getConditions().get(0).getReason());
    assertEquals(
        List.of("SYS_ADMIN"),
        client()
            .resources(CapabilityPolicy.class)
            .inNamespace(ns)
            .withName("taken-app")
            .get()
            .getSpec()
            .getAdd());
    assertNull(profile(ns, "taken-app"), "nothing written while one name is taken");
  }

  @Test
  void aCommittedPolicyLabelledWithTheRecordingsNameIsNotOverwrittenByALaterRecording(
      @TestNamespace String ns) {
    allowRecording(ns);
    // An earlier recording "again" was exported with its label, committed, given a podSelector,
    // and applied by GitOps: it enforces, and it was not made by the recording that runs now.
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata:
          name: again-app
          namespace: %1$s
          labels: {leastprivilege.dev/recorded-by: again}
        spec:
          podSelector: {matchLabels: {app: ls}}
          mode: Enforce
          defaultAction: SCMP_ACT_ERRNO
          baseProfileName: "builtin:runtime-baseline"
          syscalls: [{action: SCMP_ACT_ALLOW, names: [getdents64]}]
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata:
          name: again-app
          namespace: %1$s
          labels: {leastprivilege.dev/recorded-by: again}
        spec:
          podSelector: {matchLabels: {app: ls}}
          mode: Enforce
          drop: [ALL]
          add: [DAC_OVERRIDE]
        """
            .formatted(ns));
    record(ns, "again", "");
    awaitRecording(ns, "again", "Recording", phase(RecordingPhase.Recording));
    Pod a = recordedPod(ns, "again", "again-a");
    report("r3", pods(0, reported("again", a, List.of("chmod"), "CHOWN")));
    awaitRecording(ns, "again", "folded", s -> Integer.valueOf(1).equals(s.getRecordedPods()));
    stop(ns, "again");
    ProfileRecording r = awaitRecording(ns, "again", "Failed", phase(RecordingPhase.Failed));
    assertEquals(
        ConditionReason.ResultNameTaken.name(), r.getStatus().getConditions().get(0).getReason());
    SeccompProfile committed = profile(ns, "again-app");
    assertEquals(Map.of("app", "ls"), committed.getSpec().getPodSelector().getMatchLabels());
    assertEquals(Mode.Enforce, committed.getSpec().getMode());
    assertEquals(List.of("getdents64"), committed.getSpec().getSyscalls().get(0).getNames());
    CapabilityPolicy policy =
        client().resources(CapabilityPolicy.class).inNamespace(ns).withName("again-app").get();
    assertEquals(Map.of("app", "ls"), policy.getSpec().getPodSelector().getMatchLabels());
    assertEquals(List.of("DAC_OVERRIDE"), policy.getSpec().getAdd());
  }

  @Test
  void aContainerNamedRecordingGetsItsOwnResultNotTheRecordingProfile(@TestNamespace String ns) {
    allowRecording(ns);
    record(ns, "col", "  record: [Seccomp]\n");
    awaitRecording(ns, "col", "Recording", phase(RecordingPhase.Recording));
    Pod a = recordedPod(ns, "col", "col-a");
    NodeRecordedPod reported = reported("col", a, List.of("chmod"));
    reported.getContainers().get(0).setName("recording");
    report("r1", pods(0, reported));
    awaitRecording(ns, "col", "folded", s -> Integer.valueOf(1).equals(s.getRecordedPods()));
    stop(ns, "col");
    ProfileRecording r = awaitRecording(ns, "col", "Completed", phase(RecordingPhase.Completed));
    assertEquals(
        List.of("SeccompProfile col-recording"),
        r.getStatus().getResults().stream().map(o -> o.getKind() + " " + o.getName()).toList());
    await("the recording profile is gone")
        .atMost(Duration.ofSeconds(90))
        .until(() -> profile(ns, ProfileRecording.recordingProfileName("col")) == null);
    SeccompProfile result = profile(ns, "col-recording");
    assertNotNull(result, "the container's result is kept");
    assertNull(result.getMetadata().getDeletionTimestamp());
    assertTrue(result.getSpec().getMode() != Mode.Audit, "the result, not the recording profile");
    assertTrue(result.getSpec().getSyscalls().get(0).getNames().contains("chmod"));
  }

  @Test
  void aRecordingsResultsCarryItsUid(@TestNamespace String ns) {
    allowRecording(ns);
    record(ns, "uid", "  record: [Seccomp]\n");
    ProfileRecording started =
        awaitRecording(ns, "uid", "Recording", phase(RecordingPhase.Recording));
    Pod a = recordedPod(ns, "uid", "uid-a");
    report("r1", pods(0, reported("uid", a, List.of("chmod"))));
    awaitRecording(ns, "uid", "folded", s -> Integer.valueOf(1).equals(s.getRecordedPods()));
    stop(ns, "uid");
    awaitRecording(ns, "uid", "Completed", phase(RecordingPhase.Completed));
    assertEquals(
        started.getMetadata().getUid(),
        profile(ns, "uid-app")
            .getMetadata()
            .getAnnotations()
            .get(ApiNames.RECORDED_BY_UID_ANNOTATION));
  }

  static NodeAuditFinding finding(String kind, String ns, String name, String syscall, String cap) {
    NodeAuditFinding f = new NodeAuditFinding();
    f.setKind(kind);
    f.setNamespace(ns);
    f.setName(name);
    f.setPod("api-0");
    f.setContainer("app");
    f.setSyscall(syscall);
    f.setCapability(cap);
    f.setCount(4L);
    f.setLastSeen(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    return f;
  }

  @Test
  void anAuditProfileShowsANodesFindingsAndAnEnforceOneDoesNot(@TestNamespace String ns) {
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: audited, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ERRNO, mode: Audit, baseProfileName: "builtin:runtime-baseline"}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: enforced, namespace: %s}
        spec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: "builtin:runtime-baseline"}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: audited-caps, namespace: %s}
        spec: {mode: Audit, drop: [ALL]}
        """
            .formatted(ns, ns, ns));
    NodeRecordingStatus s = pods(0);
    s.setAuditFindings(
        new ArrayList<>(
            List.of(
                finding("SeccompProfile", ns, "audited", "chmod", null),
                finding("SeccompProfile", ns, "enforced", "chmod", null),
                finding("CapabilityPolicy", ns, "audited-caps", null, "CHOWN"))));
    report("r3", s);
    await("the Audit profile's findings")
        .atMost(T)
        .untilAsserted(
            () -> {
              assertNotNull(profile(ns, "audited").getStatus(), "no status yet");
              List<AuditFinding> f = profile(ns, "audited").getStatus().getAuditFindings();
              assertEquals(1, f.size(), () -> String.valueOf(f));
              assertEquals("chmod", f.get(0).getSyscall());
              assertEquals("api-0", f.get(0).getPod());
              assertEquals("app", f.get(0).getContainer());
              assertEquals(4L, f.get(0).getCount());
            });
    await("the Audit policy's findings")
        .atMost(T)
        .untilAsserted(
            () -> {
              assertNotNull(
                  client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("audited-caps")
                      .get()
                      .getStatus(),
                  "no status yet");
              List<AuditFinding> f =
                  client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("audited-caps")
                      .get()
                      .getStatus()
                      .getAuditFindings();
              assertEquals(1, f.size(), () -> String.valueOf(f));
              assertEquals("CHOWN", f.get(0).getCapability());
            });
    await("the Enforce profile is installed")
        .atMost(T)
        .until(
            () ->
                profile(ns, "enforced").getStatus() != null
                    && "Installed".equals(profile(ns, "enforced").getStatus().getPhase().name()));
    assertTrue(profile(ns, "enforced").getStatus().getAuditFindings().isEmpty());
    // the node's findings go: so do the profile's
    report("r3", pods(0));
    await("findings cleared")
        .atMost(T)
        .until(() -> profile(ns, "audited").getStatus().getAuditFindings().isEmpty());
  }
}
