package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every seed demo with real pods: the examples of this repository applied to the cluster, pods
 * created through the API server (which calls our webhook), and run by the kubelet, containerd and
 * runc under the files our agent wrote.
 */
@ExtendWith(Product.class)
class SeedDemosE2E {
  private static final String NS = "demo";
  private static Cluster cluster;
  private static TestPods pods;

  @BeforeAll
  static void applyTheExamples(Cluster installed) throws Exception {
    cluster = installed;
    pods = new TestPods(cluster.client);
    cluster.namespace(NS, Map.of());
    for (String example :
        List.of(
            "examples/seccomp/deny-chmod.yaml",
            "examples/seccomp/stderr-ebadf.yaml",
            "examples/seccomp/web-allowlist.yaml",
            "examples/seccomp/no-settimeofday.yaml",
            "examples/capabilities/drop-all.yaml",
            "examples/capabilities/bind-port-80.yaml")) {
      cluster.apply(example);
    }
    cluster.apply(recordedLsProfile());
    for (String profile :
        List.of("deny-chmod", "stderr-ebadf", "web-allowlist", "no-settimeofday", "ls")) {
      cluster.awaitInstalled(NS, profile);
    }
  }

  @Test
  void aSelectedPodIsPatchedByTheApiServerCallingOurWebhook_andChmodIsRefused() {
    Pod stored =
        pods.create(
            TestPods.pod(
                    NS,
                    "chmod-demo",
                    Map.of("app", "chmod-demo"),
                    null,
                    "sh",
                    "-c",
                    "touch /tmp/f && chmod 600 /tmp/f")
                .build());
    SecurityContext sc = stored.getSpec().getContainers().get(0).getSecurityContext();
    assertEquals("Localhost", sc.getSeccompProfile().getType());
    assertEquals(
        "leastprivilege/demo/deny-chmod.json", sc.getSeccompProfile().getLocalhostProfile());
    assertEquals("true", stored.getMetadata().getLabels().get("leastprivilege.dev/uses-profiles"));

    TestPods.Outcome confined = pods.awaitOutcome(stored);
    assertEquals(1, confined.exitCode(), confined::toString);
    assertTrue(confined.logs().contains("Operation not permitted"), confined::toString);

    TestPods.Outcome free =
        pods.run(
            TestPods.pod(
                    NS,
                    "chmod-free",
                    Map.of("app", "other"),
                    null,
                    "sh",
                    "-c",
                    "touch /tmp/f && chmod 600 /tmp/f && stat -c %a /tmp/f")
                .build());
    assertEquals(new TestPods.Outcome(0, "600\n", "Completed", null), free);
  }

  @Test
  void lsLongIsRefusedUnderTheProfileRecordedFromLs() {
    TestPods.Outcome ls = pods.run(annotated("ls-short", "ls", noNewPrivileges(), "ls", "/"));
    assertEquals(0, ls.exitCode(), ls::toString);
    assertTrue(ls.logs().contains("proc"), ls::toString);
    TestPods.Outcome lsLong =
        pods.run(annotated("ls-long", "ls", noNewPrivileges(), "ls", "-l", "/"));
    // The recording's default action kills the process: SIGSYS, exit code 128 + 31.
    assertEquals(159, lsLong.exitCode(), lsLong::toString);
  }

  @Test
  void writeToStderrFailsWithEbadf() {
    TestPods.Outcome probe =
        pods.run(annotated("stderr-ebadf", "stderr-ebadf", null, "writeprobe"));
    assertEquals("write(2) = -1, errno = 9 (Bad file descriptor)\n", probe.logs(), probe::toString);
    TestPods.Outcome free =
        pods.run(TestPods.pod(NS, "stderr-free", Map.of(), null, "writeprobe").build());
    assertTrue(free.logs().contains("write(2) = 10, errno = 0 (none)"), free::toString);
  }

  @Test
  void settimeofdayIsBlockedEvenWithCapSysTime() {
    // Sets the clock to the second it already shows: harmless should the profile ever let it
    // through.
    SecurityContext sysTime =
        new SecurityContextBuilder()
            .withNewCapabilities()
            .addToAdd("SYS_TIME")
            .endCapabilities()
            .build();
    TestPods.Outcome date =
        pods.run(
            annotated(
                "settimeofday",
                "no-settimeofday",
                sysTime,
                "sh",
                "-c",
                "grep CapEff /proc/self/status; date -s \"@$(date +%s)\" >/dev/null"));
    assertTrue(
        date.logs().contains("date: can't set date: Operation not permitted"), date::toString);
    // The log interleaves stdout and stderr, in either order.
    String capLine =
        date.logs().lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow();
    long capEff = Long.parseLong(capLine.substring(capLine.indexOf(':') + 1).trim(), 16);
    assertTrue((capEff & (1L << 25)) != 0, "the container holds CAP_SYS_TIME: " + date.logs());
  }

  @Test
  void chownFailsAfterDropAll() {
    SecurityContext root = new SecurityContextBuilder().withRunAsUser(0L).build();
    Pod stored =
        pods.create(
            TestPods.pod(
                    NS,
                    "chown-batch",
                    Map.of("tier", "batch"),
                    root,
                    "sh",
                    "-c",
                    "touch /tmp/f && chown 1000 /tmp/f")
                .build());
    assertEquals(
        List.of("ALL"),
        stored.getSpec().getContainers().get(0).getSecurityContext().getCapabilities().getDrop());
    TestPods.Outcome dropped = pods.awaitOutcome(stored);
    assertEquals(1, dropped.exitCode(), dropped::toString);
    assertTrue(dropped.logs().contains("Operation not permitted"), dropped::toString);

    TestPods.Outcome free =
        pods.run(
            TestPods.pod(
                    NS,
                    "chown-free",
                    Map.of(),
                    root,
                    "sh",
                    "-c",
                    "touch /tmp/f && chown 1000 /tmp/f && stat -c %u /tmp/f")
                .build());
    assertEquals("1000\n", free.logs(), free::toString);
  }

  @Test
  void aNonRootPodBindsPort80OnlyWithNetBindService() {
    SecurityContext user = new SecurityContextBuilder().withRunAsUser(1000L).build();
    // nc waits 2 s for a client once it has bound the port, then says so and exits.
    Pod web =
        pods.create(
            TestPods.pod(NS, "web", Map.of("app", "web"), user, "nc", "-l", "-p", "80", "-w", "2")
                .build());
    var caps = web.getSpec().getContainers().get(0).getSecurityContext().getCapabilities();
    assertEquals(List.of("ALL"), caps.getDrop());
    assertEquals(List.of("NET_BIND_SERVICE"), caps.getAdd());
    TestPods.Outcome bound = pods.awaitOutcome(web);
    assertEquals("nc: timed out\n", bound.logs(), bound::toString);

    // The same program and user under drop: [ALL] alone: the kernel refuses to run nc with a
    // capability the
    // container's bounding set no longer has.
    TestPods.Outcome refused =
        pods.run(
            TestPods.pod(
                    NS,
                    "web-without",
                    Map.of("tier", "batch"),
                    user,
                    "nc",
                    "-l",
                    "-p",
                    "80",
                    "-w",
                    "2")
                .build());
    assertEquals(
        "exec /usr/local/bin/nc: operation not permitted\n", refused.logs(), refused::toString);
  }

  @Test
  void aPodThatMatchesNothingIsLeftAlone() {
    Pod stored =
        pods.create(TestPods.pod(NS, "untouched", Map.of("app", "nothing"), null, "true").build());
    assertNull(stored.getSpec().getContainers().get(0).getSecurityContext());
    assertFalse(stored.getMetadata().getLabels().containsKey("leastprivilege.dev/uses-profiles"));
  }

  private static Pod annotated(String name, String profile, SecurityContext sc, String... command) {
    return TestPods.pod(NS, name, Map.of(), sc, command)
        .editMetadata()
        .addToAnnotations("leastprivilege.dev/seccomp-profile", profile)
        .endMetadata()
        .build();
  }

  private static SecurityContext noNewPrivileges() {
    return new SecurityContextBuilder().withAllowPrivilegeEscalation(false).build();
  }

  /**
   * `lpo record` on this machine's kernel, as the record-ls tutorial does, killing anything not
   * recorded.
   */
  private static SeccompProfile recordedLsProfile() throws Exception {
    Path dir = Files.createTempDirectory("lpo-e2e");
    Path out = dir.resolve("ls.yaml");
    Process record = null;
    try {
      record =
          new ProcessBuilder(
                  "java",
                  "-jar",
                  Cluster.TOP.resolve("operator/cli/target/lpo.jar").toString(),
                  "record",
                  "--no-new-privileges",
                  "--default-action",
                  "SCMP_ACT_KILL_PROCESS",
                  "--name",
                  NS + "/ls",
                  "-o",
                  out.toString(),
                  "--",
                  "ls",
                  "/")
              .inheritIO()
              .start();
      assertTrue(record.waitFor(2, TimeUnit.MINUTES) && record.exitValue() == 0, "lpo record");
      try (var in = Files.newInputStream(out)) {
        return cluster.client.resources(SeccompProfile.class).load(in).item();
      }
    } finally {
      // Only the process this test started, and only its own temporary files.
      if (record != null && record.isAlive()) {
        record.destroyForcibly().waitFor();
      }
      Files.deleteIfExists(out);
      Files.deleteIfExists(dir);
    }
  }
}
