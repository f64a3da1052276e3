package dev.leastprivilege.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.KernelLog;
import dev.leastprivilege.cli.runc.PodContainer;
import dev.leastprivilege.cli.runc.RunSpec;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.record.CapabilityTracing;
import dev.leastprivilege.recorder.Recorder;
import dev.leastprivilege.recorder.RecorderConfig;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node recorder on the real kernel and a real kube-apiserver: runc runs two containers as
 * containerd would run them for pods on node {@value #NODE} (a cgroup path ending with the
 * container ID, which the pods' container statuses name), each under a profile that logs what the
 * base does not allow; the recorder, started in-process on the kernel log and a private tracefs
 * mount, writes the node's NodeRecording: the recorded pod's syscalls and capabilities, and the
 * findings of the Audit profile and Audit policy of the other pod.
 *
 * <p>It lives in the cli module, the one module that has both the runc runner (its own code) and,
 * through the controller's test jar, the real API server fixture; the cli also depends on the
 * recorder, which carries it into the image's jar.
 */
class RecorderIT {
  static final String NODE = "recorder-it-node";
  static final String NS = "rec";
  static final String RECORDING = "demo";
  static final String WATCH_PROFILE = "watch";
  static final String WATCH_POLICY = "watch-caps";

  /**
   * Busybox as uid 1000 calls setgid(getgid()) and setuid(getuid()): the kernel asks for CAP_SETGID
   * and CAP_SETUID, is refused, and lets the calls succeed (no need). Then the kernel refuses the
   * bind on port 80, and nc exits: a need.
   */
  static final List<String> NONROOT_WORKLOAD = List.of("/usr/bin/nc", "-l", "-p", "80", "-w", "1");

  /** chmod and chown run in busybox's forked children, which live a millisecond. */
  static final List<String> WORKLOAD =
      List.of("sh", "-c", "touch /tmp/x && chmod 600 /tmp/x && chown 1:1 /tmp/x && sleep 1");

  static RealApiServer api;
  static KubernetesClient client;

  @TempDir static Path dir;

  @BeforeAll
  static void startApiServer() throws Exception {
    api = RealApiServer.start();
    client = api.client();
  }

  @AfterAll
  static void stopApiServer() {
    if (client != null) {
      client.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void recordsSyscallsAndCapabilitiesOfRecordedPodsAndAuditFindingsOfOthers() throws Exception {
    Node node =
        client
            .nodes()
            .resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
            .create();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    SeccompProfile watch = new SeccompProfile();
    watch.getMetadata().setName(WATCH_PROFILE);
    watch.getMetadata().setNamespace(NS);
    SeccompProfileSpec watchSpec = new SeccompProfileSpec();
    watchSpec.setMode(Mode.Audit);
    watchSpec.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    watchSpec.setBaseProfileName("builtin:runtime-baseline");
    watch.setSpec(watchSpec);
    client.resource(watch).create();
    CapabilityPolicy policy = new CapabilityPolicy();
    policy.getMetadata().setName(WATCH_POLICY);
    policy.getMetadata().setNamespace(NS);
    CapabilityPolicySpec policySpec = new CapabilityPolicySpec();
    policySpec.setMode(Mode.Audit);
    policySpec.setDrop(List.of("ALL"));
    PodSelector selector = new PodSelector();
    selector.setMatchLabels(Map.of("app", "watched"));
    policySpec.setPodSelector(selector);
    policy.setSpec(policySpec);
    client.resource(policy).create();

    String recordedId = containerId();
    String watchedId = containerId();
    String nonrootId = containerId();
    // The kubelet reports the recorded pod's container before the recorder sees its records, and
    // the watched pod's only after them: those wait for it.
    Pod recorded =
        pod(
            "recorded",
            Map.of(),
            Map.of(ApiNames.RECORDING_ANNOTATION, RECORDING),
            new ProfileRef(NS, RECORDING + ".recording").localhostProfile());
    Pod watched =
        pod(
            "watched",
            Map.of("app", "watched"),
            Map.of(),
            new ProfileRef(NS, WATCH_PROFILE).localhostProfile());
    running(recorded, recordedId);
    Pod nonroot =
        pod(
            "nonroot",
            Map.of(),
            Map.of(ApiNames.RECORDING_ANNOTATION, RECORDING),
            new ProfileRef(NS, RECORDING + ".recording").localhostProfile());
    running(nonroot, nonrootId);

    // What the recording profile and the Audit profile render to: every call the base does not
    // allow is logged.
    Path yaml =
        Files.writeString(
            dir.resolve("audit.yaml"),
            "apiVersion: leastprivilege.dev/v1alpha1\nkind: SeccompProfile\nmetadata:\n"
                + "  name: demo-recording\n  namespace: rec\nspec:\n  mode: Audit\n"
                + "  defaultAction: SCMP_ACT_ERRNO\n  baseProfileName: builtin:runtime-baseline\n");
    StringWriter err = new StringWriter();
    Optional<CompiledProfile> compiled =
        ProfileLoader.load(yaml, new ProfileRef(NS, "demo-recording"), new PrintWriter(err, true));
    assertTrue(compiled.isPresent(), err.toString());
    JsonNode seccomp = new ObjectMapper().readTree(compiled.get().rendered().json());
    RunSpec spec =
        new RunSpec(
            WORKLOAD,
            Optional.of(seccomp),
            RuntimeDefaults.CONTAINERD,
            0,
            0,
            Optional.empty(),
            false);

    Path tracefs = Files.createDirectories(dir.resolve("tracefs"));
    // Trace instances are the kernel's, seen through every tracefs mount: a name of the test's own,
    // so that a node recorder running on this machine (an e2e cluster's) is left alone.
    String instanceName = "lpo-recorder-it-" + UUID.randomUUID().toString().substring(0, 8);
    mount(tracefs);
    String cgroupParent = "lpo-recorder-it-" + UUID.randomUUID().toString().substring(0, 8);
    RecorderConfig config =
        new RecorderConfig(
            NODE,
            RecorderConfig.SeccompSource.KMSG,
            Path.of(RecorderConfig.DEFAULT_KMSG),
            Path.of(RecorderConfig.DEFAULT_AUDIT_LOG),
            tracefs,
            instanceName,
            Path.of("/proc"),
            Duration.ofSeconds(1),
            RecorderConfig.CONTAINER_GRACE,
            0);
    Path instance = tracefs.resolve("instances").resolve(instanceName);
    try (KernelLog unlimited = KernelLog.open(new PrintWriter(new StringWriter()));
        PodContainer containers = new PodContainer(cgroupParent)) {
      // What a recorder killed without its clean-up leaves: its instance, the event on, the trigger
      // set.
      Files.createDirectory(instance);
      Files.writeString(
          instance.resolve(CapabilityTracing.TRIGGER_FILE), CapabilityTracing.TRIGGER);
      Files.writeString(instance.resolve(CapabilityTracing.ENABLE), "1");
      Recorder recorder = new Recorder(client, config);
      try {
        recorder.start();
        await().atMost(Duration.ofSeconds(30)).until(recorder::isReady);
        assertTrue(Files.isDirectory(instance), "the recorder's trace instance exists");

        ContainerRunner.Result r1 = containers.run(recordedId, spec);
        assertEquals(0, r1.exitCode(), "the recorded container ran: " + r1.stderr());
        ContainerRunner.Result r2 = containers.run(watchedId, spec);
        assertEquals(0, r2.exitCode(), "the watched container ran: " + r2.stderr());
        running(watched, watchedId);
        ContainerRunner.Result r3 =
            containers.run(
                nonrootId,
                new RunSpec(
                    NONROOT_WORKLOAD,
                    Optional.of(seccomp),
                    RuntimeDefaults.CONTAINERD,
                    1000,
                    1000,
                    Optional.empty(),
                    false));
        assertTrue(
            r3.stderr().contains("Permission denied"),
            "the non-root nc was refused the bind: " + r3.exitCode() + " " + r3.stderr());

        NodeRecordingStatus status =
            await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(this::status, s -> s != null && complete(s));
        NodeRecordedContainer main = recordedContainer(status, "recorded");
        assertEquals("main", main.getName());
        assertTrue(
            main.getSyscalls().stream().anyMatch(Set.of("chmod", "fchmodat")::contains),
            "chmod recorded: " + main.getSyscalls());
        // Only chown's check: not runc's own (before the workload's exec), not the incidental
        // CAP_SYS_ADMIN of every fork of a root process.
        assertEquals(List.of("CHOWN"), main.getCapabilities());
        assertEquals(
            List.of("CHOWN"),
            status.getAuditFindings().stream()
                .filter(a -> a.getKind().equals("CapabilityPolicy"))
                .map(NodeAuditFinding::getCapability)
                .toList(),
            "the Audit policy's findings");
        assertEquals("kmsg", status.getSeccompSource(), "seccomp from the kernel log");
        System.out.println(
            "NodeRecording status: " + client.getKubernetesSerialization().asJson(status));
        assertEquals("tracefs", status.getCapabilitySource());

        NodeRecording report = client.resources(NodeRecording.class).withName(NODE).get();
        assertEquals(NODE, report.getSpec().getNodeName());
        assertEquals(
            List.of(node.getMetadata().getUid()),
            report.getMetadata().getOwnerReferences().stream()
                .filter(o -> o.getKind().equals("Node"))
                .map(o -> o.getUid())
                .toList(),
            "owned by its Node");
      } finally {
        recorder.close();
      }
      assertFalse(Files.exists(instance), "the trace instance is removed on close");
      // The last report, written on close, counts every check still waiting for its call's end.
      assertEquals(
          List.of("NET_BIND_SERVICE"),
          recordedContainer(status(), "nonroot").getCapabilities(),
          "the non-root nc needs the bind, not the setuid/setgid the kernel refused and let"
              + " succeed");
    } finally {
      if (Files.isDirectory(instance)) {
        Files.writeString(instance.resolve(CapabilityTracing.ENABLE), "0");
        Files.writeString(
            instance.resolve(CapabilityTracing.TRIGGER_FILE), CapabilityTracing.TRIGGER_OFF);
        Files.delete(instance);
      }
      umount(tracefs);
    }
  }

  /**
   * The audit-log source, where an audit daemon runs (none runs here): real-format audit.log lines
   * appended to a file, a /proc of files naming the process's container, the kernel log a file with
   * the kernel's loss line. The record stamped before its PID's process started is an earlier
   * process's: not counted for the pod.
   */
  @Test
  void readsTheAuditLogAndSaysWhatTheKernelLost() throws Exception {
    String nodeName = "recorder-it-audit-node";
    String ns = "shop";
    String id = "0123456789abcdef".repeat(4);
    long pid = 4242;
    Node node =
        client
            .nodes()
            .resource(new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata().build())
            .create();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    Pod web =
        client
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("web-1")
                    .withAnnotations(Map.of(ApiNames.RECORDING_ANNOTATION, "rec"))
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(nodeName)
                    .addNewContainer()
                    .withName("web")
                    .withImage("web")
                    .withNewSecurityContext()
                    .withNewSeccompProfile()
                    .withType("Localhost")
                    .withLocalhostProfile(new ProfileRef(ns, "rec.recording").localhostProfile())
                    .endSeccompProfile()
                    .endSecurityContext()
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    running(web, "web", id);

    long now = Instant.now().getEpochSecond();
    long boot = now - 1000;
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Files.writeString(proc.resolve("stat"), "cpu  1 2 3\nbtime " + boot + "\n");
    Files.writeString(proc.resolve("uptime"), "1000.00 0.00\n");
    Path pidDir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    // Started 500 s after boot (50000 ticks).
    Files.writeString(
        pidDir.resolve("stat"),
        pid + " (chmod) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 50000 1 1 0 0 0 0 0 0 0 0\n");
    Files.writeString(
        pidDir.resolve("cgroup"),
        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
            + "cri-containerd-"
            + id
            + ".scope\n");
    Path auditLog = Files.writeString(dir.resolve("audit.log"), "");
    Path kmsg = Files.writeString(dir.resolve("kmsg"), "");
    RecorderConfig config =
        new RecorderConfig(
            nodeName,
            RecorderConfig.SeccompSource.AUDIT_LOG,
            kmsg,
            auditLog,
            dir.resolve("no-tracefs"),
            CapabilityTracing.RECORDER_INSTANCE,
            proc,
            Duration.ofSeconds(1),
            RecorderConfig.CONTAINER_GRACE,
            0);
    Recorder recorder = new Recorder(client, config);
    try {
      recorder.start();
      // Ready only once the audit log is open at its end: what is written now is read.
      await().atMost(Duration.ofSeconds(30)).until(recorder::isReady);
      Files.writeString(
          auditLog,
          seccompLine(now, pid, 90, "chmod")
              + "type=SYSCALL msg=audit("
              + now
              + ".150:78): arch=c000003e syscall=90 success=yes\n"
              + seccompLine(now, pid, 90, "chmod")
              + seccompLine(now, pid, 165, "mount")
              + seccompLine(boot + 100, pid, 161, "chroot"),
          StandardOpenOption.APPEND);
      // With an audit daemon the records go to its log, but the kernel says in its own log when
      // it lost some.
      Files.writeString(
          kmsg,
          "4,7,1000100000,-;kauditd_printk_skb: 7 callbacks suppressed\n",
          StandardOpenOption.APPEND);

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertEquals(
                      "records 3, lost 7, unattributed 1",
                      summary(status(nodeName)),
                      () -> client.getKubernetesSerialization().asJson(status(nodeName))));
      NodeRecordingStatus status = status(nodeName);
      assertEquals("audit-log", status.getSeccompSource());
      assertTrue(
          status.getCapabilitySource().startsWith("Unavailable: tracefs is not mounted at "),
          status.getCapabilitySource());
      assertEquals("rec", status.getPods().get(0).getRecording());
      assertEquals("web-1", status.getPods().get(0).getPod());
      NodeRecordedContainer c = status.getPods().get(0).getContainers().get(0);
      assertEquals("web", c.getName());
      assertEquals(List.of("chmod", "mount"), c.getSyscalls());

      NodeRecording report = client.resources(NodeRecording.class).withName(nodeName).get();
      assertEquals(
          node.getMetadata().getUid(), report.getMetadata().getOwnerReferences().get(0).getUid());
      // Nothing changes: nothing is written, however many report intervals pass.
      String version = report.getMetadata().getResourceVersion();
      await()
          .during(Duration.ofMillis(2500))
          .atMost(Duration.ofSeconds(4))
          .until(
              () ->
                  client
                      .resources(NodeRecording.class)
                      .withName(nodeName)
                      .get()
                      .getMetadata()
                      .getResourceVersion()
                      .equals(version));
    } finally {
      recorder.close();
    }
  }

  private static String seccompLine(long epochSeconds, long pid, int nr, String name) {
    return "type=SECCOMP msg=audit("
        + epochSeconds
        + ".149:77): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid="
        + pid
        + " comm=\"chmod\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall="
        + nr
        + " compat=0 ip=0x4a5b7b code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\""
        + " ARCH=x86_64 SYSCALL="
        + name
        + "\n";
  }

  private static String summary(NodeRecordingStatus s) {
    if (s == null) {
      return "no status";
    }
    long records =
        s.getPods().isEmpty() ? 0 : s.getPods().get(0).getContainers().get(0).getRecords();
    return "records "
        + records
        + ", lost "
        + s.getLostRecords()
        + ", unattributed "
        + s.getUnattributedRecords();
  }

  private static NodeRecordedContainer recordedContainer(NodeRecordingStatus s, String pod) {
    return s.getPods().stream()
        .filter(p -> p.getPod().equals(pod) && RECORDING.equals(p.getRecording()))
        .flatMap(p -> p.getContainers().stream())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no recorded container of pod " + pod + ": " + s));
  }

  /**
   * The recorded pod with chmod and CHOWN, the non-root one with NET_BIND_SERVICE, and both
   * findings of the watched pod.
   */
  private static boolean complete(NodeRecordingStatus s) {
    boolean recordedDone =
        s.getPods().stream()
            .filter(p -> p.getPod().equals("recorded") && RECORDING.equals(p.getRecording()))
            .flatMap(p -> p.getContainers().stream())
            .anyMatch(
                c ->
                    c.getCapabilities().contains("CHOWN")
                        && c.getSyscalls().stream()
                            .anyMatch(Set.of("chmod", "fchmodat")::contains));
    List<NodeAuditFinding> f = s.getAuditFindings();
    boolean profileFinding =
        f.stream()
            .anyMatch(
                a ->
                    a.getKind().equals("SeccompProfile")
                        && a.getName().equals(WATCH_PROFILE)
                        && a.getPod().equals("watched")
                        && Set.of("chmod", "fchmodat").contains(a.getSyscall()));
    boolean policyFinding =
        f.stream()
            .anyMatch(
                a ->
                    a.getKind().equals("CapabilityPolicy")
                        && a.getName().equals(WATCH_POLICY)
                        && a.getPod().equals("watched")
                        && "CHOWN".equals(a.getCapability()));
    boolean nonrootDone =
        s.getPods().stream()
            .filter(p -> p.getPod().equals("nonroot") && RECORDING.equals(p.getRecording()))
            .flatMap(p -> p.getContainers().stream())
            .anyMatch(c -> c.getCapabilities().contains("NET_BIND_SERVICE"));
    return recordedDone && nonrootDone && profileFinding && policyFinding;
  }

  private NodeRecordingStatus status() {
    return status(NODE);
  }

  private static NodeRecordingStatus status(String node) {
    NodeRecording r = client.resources(NodeRecording.class).withName(node).get();
    return r == null ? null : r.getStatus();
  }

  private static Pod pod(
      String name, Map<String, String> labels, Map<String, String> annotations, String profile) {
    return client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withNodeName(NODE)
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .withNewSecurityContext()
                .withNewSeccompProfile()
                .withType("Localhost")
                .withLocalhostProfile(profile)
                .endSeccompProfile()
                .endSecurityContext()
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  /** What the kubelet writes once the runtime started the container. */
  private static void running(Pod pod, String containerId) {
    running(pod, "main", containerId);
  }

  private static void running(Pod pod, String container, String containerId) {
    Pod p =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName())
            .get();
    p.getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(container)
                    .withImage("busybox")
                    .withImageID("busybox")
                    .withReady(true)
                    .withRestartCount(0)
                    .withContainerID("containerd://" + containerId)
                    .build()));
    client.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).updateStatus();
  }

  private static String containerId() {
    byte[] b = new byte[32];
    ThreadLocalRandom.current().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static void mount(Path target) throws Exception {
    exec("mount", "-t", "tracefs", "nodev", target.toString());
  }

  private static void umount(Path target) throws Exception {
    exec("umount", target.toString());
  }

  private static void exec(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + out);
  }
}
