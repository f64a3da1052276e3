package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProducedObject;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import dev.leastprivilege.core.record.RecordedProfiles;
import dev.leastprivilege.core.record.RecordingGaps;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ProfileRecording with real pods, recorded by the recorder on the node from the kernel's own
 * records: the seed's `ls /` then `ls -l /` demo, a Deployment's replicas merged, runc's set-up
 * calls kept out, and records the kernel dropped reported rather than silently missing.
 */
@ExtendWith(Product.class)
class RecordingE2E {
  private static final String NS = "recording";
  private static Cluster cluster;
  private static TestPods pods;
  private static Recordings recordings;

  @BeforeAll
  static void optIn(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    recordings = new Recordings(cluster);
    recordings.allowedNamespace(NS);
  }

  /**
   * The article's demo in pods. Recorded against a base that allows nothing and with
   * allowPrivilegeEscalation: false (runc then loads the filter just before exec), so the profile
   * holds exactly what `ls /` needs; the default base, builtin:runtime-baseline, already allows
   * `read`, the one call `ls -l` adds.
   */
  @Test
  void lsRecordedThenEnforcedRefusesLsLong_andLsLongRecordedOnTopAddsExactlyItsExtraCalls() {
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: SeccompProfile
            metadata: {name: nothing, namespace: recording}
            spec:
              defaultAction: SCMP_ACT_ERRNO
            """));
    cluster.awaitInstalled(NS, "nothing");

    // 1. Record `ls /`.
    recordings.start(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: ls, namespace: recording}
        spec:
          podSelector: {matchLabels: {app: ls}}
          record: [Seccomp]
          baseProfileName: nothing
          resultDefaultAction: SCMP_ACT_KILL_PROCESS
        """);
    Pod recorded = pods.create(pod("ls-recorded", Map.of("app", "ls"), "ls", "/"));
    Recordings.assertRecorded(recorded, "ls");
    TestPods.Outcome lsRun = pods.awaitOutcome(recorded);
    assertEquals(0, lsRun.exitCode(), lsRun::toString);
    recordings.awaitContainer(NS, "ls", "main", c -> !c.getSyscalls().isEmpty());
    ProfileRecording ls = recordings.stop(NS, "ls");
    assertEquals(1, ls.getStatus().getRecordedPods());
    assertTrue(
        ls.getStatus().getResults().stream()
            .anyMatch(
                r ->
                    r.getKind().equals(SeccompProfile.KIND)
                        && r.getName().equals("ls-main")
                        && r.getContainerName().equals("main")),
        () -> "results: " + describe(ls.getStatus().getResults()));
    SeccompProfile first = recordings.seccompResult(NS, "ls", "main");
    assertNull(first.getSpec().getPodSelector(), "a produced profile selects no pod by itself");
    Set<String> lsCalls = Recordings.recordedSyscalls(ls, "main");
    assertEquals(RecordedProfiles.withGaps(lsCalls), Recordings.allowed(first));

    // 2. Enforce it: `ls /` works, `ls -l /` is killed.
    cluster.awaitInstalled(NS, "ls-main");
    TestPods.Outcome lsEnforced = pods.run(annotated("ls-enforced", "ls-main", "ls", "/"));
    assertEquals(0, lsEnforced.exitCode(), lsEnforced::toString);
    assertTrue(lsEnforced.logs().contains("proc"), lsEnforced::toString);
    TestPods.Outcome lsLongEnforced =
        pods.run(annotated("ls-long-enforced", "ls-main", "ls", "-l", "/"));
    assertEquals(159, lsLongEnforced.exitCode(), "killed by SIGSYS: " + lsLongEnforced);

    // 3. Record `ls -l /` with the first profile as the base: it adds exactly the calls it made
    // beyond it.
    recordings.start(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: ls-long, namespace: recording}
        spec:
          podSelector: {matchLabels: {app: ls-long}}
          record: [Seccomp]
          baseProfileName: ls-main
          resultDefaultAction: SCMP_ACT_KILL_PROCESS
        """);
    Pod recordedLong =
        pods.create(pod("ls-long-recorded", Map.of("app", "ls-long"), "ls", "-l", "/"));
    Recordings.assertRecorded(recordedLong, "ls-long");
    assertEquals(0, pods.awaitOutcome(recordedLong).exitCode());
    recordings.awaitContainer(NS, "ls-long", "main", c -> !c.getSyscalls().isEmpty());
    ProfileRecording lsLong = recordings.stop(NS, "ls-long");
    SeccompProfile second = recordings.seccompResult(NS, "ls-long", "main");
    Set<String> before = Recordings.allowed(first);
    Set<String> after = Recordings.allowed(second);
    assertTrue(after.containsAll(before), "the base's calls are kept: " + before + " " + after);
    Set<String> added = new TreeSet<>(after);
    added.removeAll(before);
    assertEquals(Recordings.recordedSyscalls(lsLong, "main"), added);
    assertTrue(added.contains("read"), "ls -l reads /etc/passwd to name owners: " + added);
    // The diff the tutorial shows (docs/tutorials/record-in-cluster.md).
    System.out.println("ls-main -> ls-long-main adds " + added);

    cluster.awaitInstalled(NS, "ls-long-main");
    TestPods.Outcome lsLongAllowed =
        pods.run(annotated("ls-long-allowed", "ls-long-main", "ls", "-l", "/"));
    assertEquals(0, lsLongAllowed.exitCode(), lsLongAllowed::toString);
    assertTrue(lsLongAllowed.logs().contains("root"), lsLongAllowed::toString);
  }

  /** Three replicas, two containers: one result per container name, coverage in status. */
  @Test
  void aDeploymentsReplicasMergeIntoOneProfilePerContainerName() {
    recordings.start(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: web3, namespace: recording}
        spec:
          podSelector: {matchLabels: {app: web3}}
        """);
    Deployment deployment =
        cluster.load(
            Deployment.class,
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web3, namespace: recording}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web3}}
              template:
                metadata: {labels: {app: web3}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                    - name: app
                      image: localhost/busybox:e2e
                      imagePullPolicy: Never
                      command: [sh, -c, "ls / >/dev/null; exec sleep 3600"]
                    - name: sidecar
                      image: localhost/busybox:e2e
                      imagePullPolicy: Never
                      # forks sleep and waits: calls the default base does not allow
                      command: [sh, -c, "while sleep 3600; do :; done"]
            """);
    var resource = cluster.client.apps().deployments().inNamespace(NS).withName("web3");
    resource.delete();
    resource.waitUntilCondition(d -> d == null, 1, TimeUnit.MINUTES);
    cluster.client.resource(deployment).create();
    resource.waitUntilCondition(
        d ->
            d != null
                && d.getStatus() != null
                && Integer.valueOf(3).equals(d.getStatus().getReadyReplicas()),
        3,
        TimeUnit.MINUTES);
    List<Pod> replicas =
        cluster.client.pods().inNamespace(NS).withLabel("app", "web3").list().getItems();
    assertEquals(3, replicas.size());
    replicas.forEach(p -> Recordings.assertRecorded(p, "web3"));

    for (String container : List.of("app", "sidecar")) {
      // Each recorder reports as it reads, so coverage grows to 3 of 3 report by report. Every
      // replica runs the same program: what it calls beyond the base, all three call.
      RecordedContainer merged =
          recordings.awaitContainer(
              NS,
              "web3",
              container,
              c ->
                  Integer.valueOf(3).equals(c.getReplicas())
                      && c.getSyscalls().stream().anyMatch(s -> s.getReplicas() == 3));
      for (SyscallCoverage call : merged.getSyscalls()) {
        assertTrue(
            call.getReplicas() >= 1 && call.getReplicas() <= 3,
            container
                + ": "
                + call.getName()
                + " in "
                + call.getReplicas()
                + " of 3: "
                + describeCoverage(merged));
      }
    }

    // The recording ends when every pod it recorded is gone.
    resource.delete();
    ProfileRecording done = recordings.awaitCompleted(NS, "web3");
    assertEquals(3, done.getStatus().getRecordedPods());
    Set<String> profiles =
        done.getStatus().getResults().stream()
            .filter(r -> r.getKind().equals(SeccompProfile.KIND))
            .map(ProducedObject::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of("web3-app", "web3-sidecar"), profiles);
    assertTrue(
        Recordings.allowed(recordings.seccompResult(NS, "web3", "app"))
            .containsAll(Recordings.recordedSyscalls(done, "app")));
    recordings.capabilityResult(NS, "web3", "sidecar");
  }

  /**
   * A profile recorded from `true` with the default base holds none of runc's own set-up calls
   * beyond what the base allows (recorded without no_new_privs, Kubernetes' default, where runc
   * loads the filter before it sets the user and capabilities), and under it the container starts
   * every time: a Job of 50 completions, 5 at a time, with no retry.
   */
  @Test
  void aProfileRecordedFromTrueStartsTheContainer50TimesOutOf50() {
    recordings.start(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: ProfileRecording
        metadata: {name: noise, namespace: recording}
        spec:
          podSelector: {matchLabels: {app: noise}}
          record: [Seccomp]
        """);
    Pod recorded =
        pods.create(
            TestPods.pod(NS, "noise-recorded", Map.of("app", "noise"), null, "true").build());
    Recordings.assertRecorded(recorded, "noise");
    assertEquals(0, pods.awaitOutcome(recorded).exitCode());
    recordings.awaitStatus(
        NS,
        "noise",
        "the pod recorded",
        s -> s.getRecordedPods() != null && s.getRecordedPods() >= 1);
    ProfileRecording noise = recordings.stop(NS, "noise");
    Set<String> baseline =
        RecordedProfiles.allowedBy(
            BuiltinProfiles.find(BuiltinProfiles.RUNTIME_BASELINE).orElseThrow().spec());
    Set<String> recordedBeyondBase =
        noise.getStatus().getContainers().stream()
            .flatMap(c -> c.getSyscalls().stream())
            .map(SyscallCoverage::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    // `true` calls nothing the base does not allow; whatever was recorded was runc's.
    assertEquals(Set.of(), recordedBeyondBase, "runc's set-up calls recorded as the workload's");
    Set<String> expected = new TreeSet<>(baseline);
    expected.addAll(RecordingGaps.ALWAYS_ALLOWED);
    assertEquals(expected, Recordings.allowed(recordings.seccompResult(NS, "noise", "main")));

    cluster.awaitInstalled(NS, "noise-main");
    Job job =
        cluster.load(
            Job.class,
            """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: noise-50, namespace: recording}
            spec:
              completions: 50
              parallelism: 5
              backoffLimit: 0
              template:
                metadata:
                  annotations: {leastprivilege.dev/seccomp-profile: noise-main}
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  containers:
                    - name: main
                      image: localhost/busybox:e2e
                      imagePullPolicy: Never
                      command: ["true"]
            """);
    var jobs = cluster.client.batch().v1().jobs().inNamespace(NS).withName("noise-50");
    jobs.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
    jobs.waitUntilCondition(j -> j == null, 1, TimeUnit.MINUTES);
    cluster.client.resource(job).create();
    Job finished =
        jobs.waitUntilCondition(
            j ->
                j != null
                    && j.getStatus() != null
                    && (Integer.valueOf(50).equals(j.getStatus().getSucceeded())
                        || (j.getStatus().getFailed() != null && j.getStatus().getFailed() > 0)),
            5,
            TimeUnit.MINUTES);
    assertNull(
        finished.getStatus().getFailed(),
        () ->
            "containers failed under the profile recorded from true:\n"
                + Diagnostics.describe(cluster, NS));
    assertEquals(50, finished.getStatus().getSucceeded());
    jobs.withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND)
        .delete();
  }

  /**
   * With the kernel's log rate limit on (as it is by default: 10 messages per 5 s), a busy recorded
   * pod loses records: the status says so instead of producing a short profile silently.
   */
  @Test
  void recordsTheKernelDroppedAreReportedAsLost() {
    String before = PrintkRateLimit.read();
    try {
      recordings.start(
          """
          apiVersion: leastprivilege.dev/v1alpha1
          kind: ProfileRecording
          metadata: {name: loss, namespace: recording}
          spec:
            podSelector: {matchLabels: {app: loss}}
            record: [Seccomp]
          """);
      PrintkRateLimit.write("5");
      // Each `ls` makes a call the base does not allow (ioctl on its output), and each fork a few:
      // a burst far beyond 10 messages in 5 s. The kernel says how many it suppressed only with
      // its next message after the interval, hence one more call 6 s later; and the pod keeps
      // running, as a service being recorded would, so the recording is still on when it does.
      Pod busy =
          pods.create(
              pod(
                  "loss-recorded",
                  Map.of("app", "loss"),
                  "sh",
                  "-c",
                  "for i in $(seq 300); do ls / >/dev/null; done; sleep 6; ls / >/dev/null;"
                      + " exec sleep 3600"));
      Recordings.assertRecorded(busy, "loss");
      recordings.awaitStatus(
          NS, "loss", "lostRecords > 0", s -> s.getLostRecords() != null && s.getLostRecords() > 0);
    } finally {
      PrintkRateLimit.write(before);
    }
    ProfileRecording loss = recordings.stop(NS, "loss");
    pods.delete(NS, "loss-recorded");
    assertTrue(loss.getStatus().getLostRecords() > 0);
    String said =
        String.join("\n", loss.getStatus().getWarnings())
            + loss.getStatus().getConditions().stream()
                .map(c -> c.getType() + " " + c.getReason() + " " + c.getMessage())
                .collect(Collectors.joining("\n"));
    assertTrue(
        said.toLowerCase(java.util.Locale.ROOT).contains("lost"),
        () -> "a warning or condition says records were lost: " + said);
  }

  private static Pod pod(String name, Map<String, String> labels, String... command) {
    return TestPods.pod(NS, name, labels, noNewPrivileges(), command).build();
  }

  private static Pod annotated(String name, String profile, String... command) {
    return TestPods.pod(NS, name, Map.of(), noNewPrivileges(), command)
        .editMetadata()
        .addToAnnotations(ApiNames.SECCOMP_PROFILE_ANNOTATION, profile)
        .endMetadata()
        .build();
  }

  private static SecurityContext noNewPrivileges() {
    return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).build();
  }

  private static String describe(List<ProducedObject> results) {
    return results.stream()
        .map(r -> r.getKind() + "/" + r.getName() + "(" + r.getContainerName() + ")")
        .collect(Collectors.joining(", "));
  }

  private static String describeCoverage(RecordedContainer c) {
    return c.getSyscalls().stream()
        .map(s -> s.getName() + " " + s.getReplicas() + "/" + c.getReplicas())
        .collect(Collectors.joining(", "));
  }

  /**
   * kernel.printk_ratelimit of the machine the node's kernel is: the suite's bootstrap turns it off
   * (0) while the cluster runs; this scenario turns it on for a moment and back.
   */
  static final class PrintkRateLimit {
    private static final Path FILE = Path.of("/proc/sys/kernel/printk_ratelimit");

    static String read() {
      try {
        return Files.readString(FILE).trim();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static void write(String seconds) {
      try {
        Files.writeString(FILE, seconds);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
