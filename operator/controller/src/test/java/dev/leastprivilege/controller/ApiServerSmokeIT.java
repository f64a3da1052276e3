package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ApiServerSmokeIT {
  @RegisterExtension static final Cluster cluster = new Cluster();

  @Test
  void startsAndServesOurCrds() {
    KubernetesClient client = cluster.client();
    assertEquals("v1.20.2", client.getKubernetesVersion().getGitVersion());
    // SeccompProfile, CapabilityPolicy, NodeProfileStatus, ProfileRecording, NodeRecording
    assertEquals(
        5, client.apiextensions().v1().customResourceDefinitions().list().getItems().size());
  }

  @Test
  void aSetUpThatFailsHalfwayLeavesNoProcessBehind() {
    Set<Long> before = children();
    // The API server, the operator and an agent start; the webhook's configuration is refused.
    Cluster broken =
        new Cluster().nodes("n1").operator().agents().webhook("broken", port -> "kind: Nonsense\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, broken::start);
    assertTrue(e.getMessage().startsWith("kubectl apply of broken: "), e.getMessage());
    assertEquals(before, children(), "etcd and kube-apiserver of the failed set-up are stopped");
    assertFalse(Files.exists(broken.dir()), "its directory is removed");
  }

  /**
   * This JVM's running child processes: the class's etcd and kube-apiserver, and whatever else
   * runs.
   */
  private static Set<Long> children() {
    return ProcessHandle.current()
        .children()
        .filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid)
        .collect(Collectors.toSet());
  }
}
