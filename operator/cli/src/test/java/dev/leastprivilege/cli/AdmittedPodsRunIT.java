package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.cli.local.LocalCluster;
import dev.leastprivilege.cli.local.LocalRun;
import dev.leastprivilege.cli.manifest.ManifestReader;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook's output on the real kernel: the examples' pods go through the webhook in lpo local,
 * and the securityContext stored for each is run with lpo run --pod under runc.
 */
class AdmittedPodsRunIT {
  @TempDir Path dir;

  @Test
  void patchedPodsEnforceTheirProfileAndCapabilities() throws Exception {
    Path root = dir.resolve("kubelet/seccomp");
    StringWriter out = new StringWriter();
    try (LocalCluster cluster = LocalCluster.start(root, dir.resolve("webhook"), 0)) {
      LocalRun run = new LocalRun(cluster, new PrintWriter(out), new PrintWriter(out));
      run.apply(
          ManifestReader.read(
                  List.of(
                      Cli.EXAMPLES.resolve("seccomp"),
                      Cli.EXAMPLES.resolve("capabilities"),
                      Cli.EXAMPLES.resolve("pods")))
              .manifests());
      assertTrue(run.awaitSettled(Duration.ofSeconds(60)), out.toString());
      run.admitPods();
      save(cluster, "web");
      save(cluster, "batch");
    }

    // batch: CapabilityPolicy drop-all → drop [ALL]; chown fails.
    Cli.Result chown =
        lpo(
            "run",
            "--pod",
            dir.resolve("batch.yaml").toString(),
            "--kubelet-root",
            root.toString(),
            "--",
            "chown",
            "1000",
            "/tmp");
    assertEquals(1, chown.code(), chown.out() + chown.err());
    assertEquals("chown: /tmp: Operation not permitted\n", chown.err());
    Cli.Result asWritten = lpo("run", "--", "chown", "1000", "/tmp");
    assertEquals(
        0,
        asWritten.code(),
        "the same command with the runtime's default capabilities: " + asWritten.err());

    // web: runAsUser 1000, drop [ALL], add [NET_BIND_SERVICE], seccomp web-allowlist; binds port
    // 80.
    Cli.Result bind =
        lpo(
            "run",
            "--pod",
            dir.resolve("web.yaml").toString(),
            "--kubelet-root",
            root.toString(),
            "--",
            "nc",
            "-l",
            "-p",
            "80",
            "-w",
            "1");
    assertEquals("nc: timed out\n", bind.err(), "bound port 80, then waited 1 s for a client");
    // The same pod without its added capability cannot: the kernel refuses to exec nc, whose file
    // capability
    // (cap_net_bind_service+ep, as an image that ran setcap) is outside the container's bounding
    // set.
    String withoutAdd =
        Files.readString(dir.resolve("web.yaml")).replace("NET_BIND_SERVICE", "CHOWN");
    Files.writeString(dir.resolve("web-no-add.yaml"), withoutAdd);
    Cli.Result refused =
        lpo(
            "run",
            "--pod",
            dir.resolve("web-no-add.yaml").toString(),
            "--kubelet-root",
            root.toString(),
            "--",
            "nc",
            "-l",
            "-p",
            "80",
            "-w",
            "1");
    assertEquals("exec /usr/local/bin/nc: operation not permitted\n", refused.err());
  }

  @Test
  void privilegedAndOddSpellingsRunAsTheRuntimeRunsThem() throws Exception {
    // What the webhook now refuses or rewrites, run as containerd would run it if it got through.
    Files.writeString(
        dir.resolve("privileged.yaml"), pod("{privileged: true, capabilities: {drop: [ALL]}}"));
    Cli.Result privileged =
        lpo(
            "run",
            "--pod",
            dir.resolve("privileged.yaml").toString(),
            "--",
            "sh",
            "-c",
            "chown 1000 /tmp && grep Seccomp: /proc/self/status");
    assertEquals(
        0,
        privileged.code(),
        "drop: [ALL] means nothing to a privileged container: " + privileged.err());
    assertEquals("Seccomp:\t0\n", privileged.out(), "and it runs without a seccomp filter");

    Files.writeString(dir.resolve("space-all.yaml"), pod("{capabilities: {drop: [\" ALL\"]}}"));
    Cli.Result spaceAll =
        lpo(
            "run",
            "--pod",
            dir.resolve("space-all.yaml").toString(),
            "--",
            "chown",
            "1000",
            "/tmp");
    assertEquals(
        0,
        spaceAll.code(),
        "\" ALL\" is not ALL to the runtime, so CHOWN stays: " + spaceAll.err());

    Files.writeString(dir.resolve("canonical.yaml"), pod("{capabilities: {drop: [ALL]}}"));
    Cli.Result canonical =
        lpo(
            "run",
            "--pod",
            dir.resolve("canonical.yaml").toString(),
            "--",
            "chown",
            "1000",
            "/tmp");
    assertEquals(
        "chown: /tmp: Operation not permitted\n",
        canonical.err(),
        "what the webhook writes instead");
  }

  private static String pod(String securityContext) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: demo}
        spec:
          containers:
            - name: app
              image: busybox
              securityContext: %s
        """
        .formatted(securityContext);
  }

  /**
   * The built lpo.jar in its own process, so the container's stderr is captured as a user sees it.
   */
  private static Cli.Result lpo(String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                "target/lpo.jar"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    byte[] stderr = p.getErrorStream().readAllBytes();
    return new Cli.Result(p.waitFor(), new String(stdout), new String(stderr));
  }

  private void save(LocalCluster cluster, String name) throws Exception {
    Pod pod = cluster.client().pods().inNamespace("demo").withName(name).get();
    Files.writeString(
        dir.resolve(name + ".yaml"), cluster.client().getKubernetesSerialization().asYaml(pod));
  }
}
