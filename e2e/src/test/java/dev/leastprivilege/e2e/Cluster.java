package dev.leastprivilege.e2e;

import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster the suite runs against, as its bootstrap script left it in {@code lpo.cluster.dir}:
 * cluster.env (KUBECONFIG, NODE_NAME, KUBECTL, SECCOMP_ROOT), chart-values.yaml. The scenarios know
 * nothing else about how the cluster was made.
 */
final class Cluster {
  static final Path TOP = Path.of(System.getProperty("lpo.top", "..")).toAbsolutePath().normalize();
  private static Cluster instance;

  final Path dir;
  final Map<String, String> env;
  final KubernetesClient client;

  private Cluster(Path dir) throws IOException {
    this.dir = dir;
    this.env = new HashMap<>();
    for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig()));
    this.client = new KubernetesClientBuilder().withConfig(config).build();
  }

  static synchronized Cluster get() {
    if (instance == null) {
      String dir = System.getProperty("lpo.cluster.dir");
      if (dir == null) {
        throw new IllegalStateException(
            "lpo.cluster.dir is not set: run the suite with mvn -Pe2e verify");
      }
      try {
        instance = new Cluster(Path.of(dir));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "no cluster described in " + dir + " (did e2e/*/up.sh run?)", e);
      }
    }
    return instance;
  }

  Path kubeconfig() {
    return Path.of(env.get("KUBECONFIG"));
  }

  /** The node whose files the scenarios read. */
  String nodeName() {
    return env.get("NODE_NAME");
  }

  /**
   * The kubelet's seccomp directory on that node: SECCOMP_ROOT, or the kubelet's default when not
   * given.
   */
  String seccompRoot() {
    return env.getOrDefault("SECCOMP_ROOT", "/var/lib/kubelet/seccomp");
  }

  Path chartValues() {
    return dir.resolve("chart-values.yaml");
  }

  /** The minor version of the cluster's API server (20 for the pinned v1.20). */
  int minorVersion() {
    return Integer.parseInt(client.getKubernetesVersion().getMinor().replaceAll("[^0-9]", ""));
  }

  /** What a kubectl command printed, and how it exited. */
  record Kubectl(int exitCode, String out, String err) {}

  /**
   * Runs the kubectl that came with the cluster (KUBECTL in cluster.env) against it, as a user
   * would.
   */
  Kubectl kubectl(String... args) {
    // Its discovery cache beside the cluster's files, not in the user's ~/.kube.
    List<String> command =
        new ArrayList<>(
            List.of(
                env.getOrDefault("KUBECTL", "kubectl"),
                "--kubeconfig",
                kubeconfig().toString(),
                "--cache-dir",
                dir.resolve("kubectl-cache").toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("kubectl", ".out");
      Path err = Files.createTempFile("kubectl", ".err");
      try {
        Process kubectl =
            new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!kubectl.waitFor(2, TimeUnit.MINUTES)) {
          kubectl.destroyForcibly();
          throw new IllegalStateException(String.join(" ", command) + ": no answer in 2 minutes");
        }
        return new Kubectl(kubectl.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.delete(out);
        Files.delete(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void namespace(String name, Map<String, String> labels) {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .createOr(NonDeletingOperation::update);
  }

  /** Applies a manifest file of the repository (kubectl apply, without the three-way merge). */
  void apply(String repositoryPath) {
    try (InputStream in = Files.newInputStream(TOP.resolve(repositoryPath))) {
      client.load(in).items().forEach(this::apply);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the profile's status describes its current spec and says the file is on every node.
   */
  void awaitInstalled(String namespace, String name) {
    client
        .resources(SeccompProfile.class)
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(
            p ->
                p != null
                    && p.getStatus() != null
                    && p.getStatus().getPhase() == ProfilePhase.Installed
                    && p.getMetadata()
                        .getGeneration()
                        .equals(p.getStatus().getObservedGeneration()),
            2,
            TimeUnit.MINUTES);
  }

  <T extends HasMetadata> T load(Class<T> type, String yaml) {
    return client
        .resources(type)
        .load(
            new java.io.ByteArrayInputStream(
                yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .item();
  }

  <T extends HasMetadata> T apply(T object) {
    object.getMetadata().setResourceVersion(null);
    return client.resource(object).createOr(NonDeletingOperation::update);
  }
}
