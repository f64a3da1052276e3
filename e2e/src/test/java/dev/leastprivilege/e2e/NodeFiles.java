package dev.leastprivilege.e2e;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads the node's seccomp directory (the kubelet's, {@link Cluster#seccompRoot}) the way an
 * administrator would: a pod on that node with the directory mounted read-only, in a namespace the
 * webhook ignores. Works the same on every cluster the suite runs on.
 */
final class NodeFiles {
  static final String NAMESPACE = "lpo-e2e-node";
  private final KubernetesClient client;
  private final String podName;

  NodeFiles(Cluster cluster) {
    this.client = cluster.client;
    this.podName = "seccomp-reader-" + cluster.nodeName().replaceAll("[^a-z0-9-]", "-");
    cluster.namespace(NAMESPACE, Map.of("leastprivilege.dev/ignore", "true"));
    if (client.pods().inNamespace(NAMESPACE).withName(podName).get() == null) {
      Pod reader =
          new PodBuilder()
              .withNewMetadata()
              .withName(podName)
              .withNamespace(NAMESPACE)
              .endMetadata()
              .withNewSpec()
              .withNodeName(cluster.nodeName())
              .withTerminationGracePeriodSeconds(0L)
              .addNewContainer()
              .withName("reader")
              .withImage(TestPods.IMAGE)
              .withImagePullPolicy("Never")
              .withCommand("sleep", "86400")
              .addNewVolumeMount()
              .withName("seccomp")
              .withMountPath("/seccomp")
              .withReadOnly(true)
              .endVolumeMount()
              .endContainer()
              .addNewVolume()
              .withName("seccomp")
              .withNewHostPath()
              .withPath(cluster.seccompRoot())
              .withType("DirectoryOrCreate")
              .endHostPath()
              .endVolume()
              .endSpec()
              .build();
      client.resource(reader).create();
    }
    client.pods().inNamespace(NAMESPACE).withName(podName).waitUntilReady(2, TimeUnit.MINUTES);
  }

  /**
   * The file's content, or null when it does not exist. Path relative to the kubelet's seccomp
   * directory.
   */
  String read(String localhostProfile) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (var exec =
        client
            .pods()
            .inNamespace(NAMESPACE)
            .withName(podName)
            .writingOutput(out)
            .writingError(err)
            .exec(
                "sh",
                "-c",
                "f=/seccomp/"
                    + localhostProfile
                    + "; [ -f \"$f\" ] && cat \"$f\" || echo ABSENT")) {
      Integer code = exec.exitCode().get(30, TimeUnit.SECONDS);
      if (code == null || code != 0) {
        throw new IllegalStateException("reading " + localhostProfile + " failed: " + err);
      }
    } catch (Exception e) {
      throw new IllegalStateException(
          "reading " + localhostProfile + " on the node: " + e.getMessage(), e);
    }
    String content = out.toString(StandardCharsets.UTF_8);
    return content.equals("ABSENT\n") ? null : content;
  }
}
