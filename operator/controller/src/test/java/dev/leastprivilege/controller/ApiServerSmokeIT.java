package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ApiServerSmokeIT {
  @RegisterExtension static final Cluster cluster = new Cluster();

  /**
   * The API server is the binary the tier was given (KubernetesBinaries: the pinned build, or one
   * given by path), with the etcd it was given: the processes this JVM started run those files, and
   * the server reports the version the binary does. The pinned build reports the version of
   * e2e/cluster/kubernetes.env, so the build and the pin cannot drift apart.
   */
  @Test
  void runsTheGivenBinariesAndServesTheirVersion() throws IOException {
    KubernetesBinaries binaries = RealApiServer.binaries();
    String served = cluster.client().getKubernetesVersion().getGitVersion();
    assertEquals(binaries.version().gitVersion(), served);
    if (binaries.pinned()) {
      assertEquals("v" + KubernetesBinaries.pinnedVersion(), served);
    }
    Set<Path> running = childExecutables();
    assertTrue(
        running.contains(binaries.apiServer().toRealPath()),
        binaries.apiServer() + " is not among the running executables " + running);
    assertTrue(
        running.contains(binaries.etcd().toRealPath()),
        binaries.etcd() + " is not among the running executables " + running);
  }

  @Test
  void startsAndServesOurCrds() {
    KubernetesClient client = cluster.client();
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

  /** The executables (symbolic links resolved) of this JVM's running child processes. */
  private static Set<Path> childExecutables() {
    return ProcessHandle.current()
        .children()
        .filter(ProcessHandle::isAlive)
        .flatMap(p -> p.info().command().stream())
        .map(Path::of)
        .collect(Collectors.toSet());
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
