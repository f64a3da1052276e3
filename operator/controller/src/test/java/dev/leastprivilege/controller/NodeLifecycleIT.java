package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which nodes a profile must be installed on, and what becomes of a node's report when the node
 * goes, on a real kube-apiserver. There is no scheduler, kubelet, DaemonSet controller or garbage
 * collector here: the tests create the Node objects and the agent's pods (with their node set) as
 * the DaemonSet controller would, and what is left to check is the operator's and the agent's own
 * part. n1 and n2 run an agent; n3 is a node the agent's nodeSelector keeps it off.
 */
class NodeLifecycleIT {
  private static final Duration T = Duration.ofSeconds(30);

  /** Under ProfileDeletion.REMOVAL_GRACE: a deletion that waits for a node takes a minute. */
  private static final Duration DELETION = Duration.ofSeconds(30);

  @RegisterExtension
  static final Cluster cluster = new Cluster().nodes("n1", "n2", "n3").operator();

  @BeforeAll
  static void agentsOnTwoOfTheThreeNodes() throws Exception {
    cluster.restartAgent("n1");
    cluster.restartAgent("n2");
  }

  private static KubernetesClient client() {
    return cluster.client();
  }

  private static void apply(String ns, String name) {
    cluster.apply(SeccompProfileOperatorIT.profileYaml(ns, name, "", "read", "exit_group"));
  }

  private static void awaitInstalledOn(String ns, String name, String installedOn) {
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              SeccompProfile p = cluster.profile(ns, name);
              assertTrue(
                  p.getStatus() != null
                      && p.getStatus().getPhase() == ProfilePhase.Installed
                      && installedOn.equals(p.getStatus().getInstalledOn()),
                  () ->
                      "Installed "
                          + installedOn
                          + " expected: "
                          + (p.getStatus() == null
                              ? "no status"
                              : p.getStatus().getPhase() + " " + p.getStatus().getInstalledOn()));
            });
  }

  private static NodeProfileStatus report(String node) {
    return client().resources(NodeProfileStatus.class).withName(node).get();
  }

  private static String nodeUid(String node) {
    return client().nodes().withName(node).get().getMetadata().getUid();
  }

  /** The profile is deleted well within the grace a silent node would get, and no event says so. */
  private static void deletesWithoutWaitingForNodes(String ns, String name) {
    client().resources(SeccompProfile.class).inNamespace(ns).withName(name).delete();
    await()
        .atMost(DELETION)
        .untilAsserted(() -> assertEquals(null, cluster.profile(ns, name), "still there"));
    assertEquals(
        List.of(),
        client().v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "NodesDidNotConfirm".equals(e.getReason()))
            .map(e -> e.getMessage())
            .toList());
  }

  /** A node with its agent, as the DaemonSet places one on a node that joins. */
  private static void join(String node) throws Exception {
    cluster.node(node);
    cluster.restartAgent(node);
  }

  /** The node leaves the cluster: its agent stops and its Node object is deleted. */
  private static void leave(String node) {
    cluster.stopAgent(node);
    client().nodes().withName(node).delete();
  }

  @Test
  void aNodeWithoutAnAgentPodDoesNotCount(@TestNamespace String ns) {
    apply(ns, "web");
    awaitInstalledOn(ns, "web", "2/2");
    assertEquals(null, report("n3"), "n3 has no agent, hence no report");
  }

  @Test
  void aDeletedNodesReportIsRemovedAndHoldsNoDeletion(@TestNamespace String ns) throws Exception {
    join("n4");
    try {
      apply(ns, "web");
      awaitInstalledOn(ns, "web", "3/3");
      assertEquals(
          List.of(nodeUid("n4")),
          NodeProfileStatus.ownerNodeUids(report("n4")),
          "the agent makes its Node the report's owner");
      leave("n4");
      await()
          .atMost(T)
          .untilAsserted(() -> assertEquals(null, report("n4"), "n4's report is still there"));
      awaitInstalledOn(ns, "web", "2/2");
      deletesWithoutWaitingForNodes(ns, "web");
    } finally {
      AgentPods.remove(client(), Cluster.OPERATOR_NS, "n4");
    }
  }

  @Test
  void aNodeWhoseAgentWasRemovedHoldsNoDeletion(@TestNamespace String ns) throws Exception {
    join("n5");
    try {
      apply(ns, "web");
      awaitInstalledOn(ns, "web", "3/3");
      // Its label no longer matches agent.nodeSelector: the DaemonSet removes its pod. The node
      // stays, and so does the report its agent last wrote.
      cluster.stopAgent("n5");
      AgentPods.remove(client(), Cluster.OPERATOR_NS, "n5");
      awaitInstalledOn(ns, "web", "2/2");
      deletesWithoutWaitingForNodes(ns, "web");
      assertTrue(report("n5") != null, "the node exists: its report is left alone");
    } finally {
      leave("n5");
    }
  }

  @Test
  void aNodeCreatedAgainUnderTheSameNameStartsFromAFreshReport(@TestNamespace String ns)
      throws Exception {
    join("n6");
    try {
      apply(ns, "web");
      awaitInstalledOn(ns, "web", "3/3");
      NodeProfileStatus before = report("n6");
      String uidBefore = nodeUid("n6");
      // The node is replaced while the operator is down: nobody cleans up between the two.
      cluster.stopOperator();
      try {
        leave("n6");
        cluster.node("n6");
        String uidNow = nodeUid("n6");
        assertNotEquals(uidBefore, uidNow);
        cluster.restartAgent("n6");
        await()
            .atMost(T)
            .untilAsserted(
                () -> {
                  NodeProfileStatus now = report("n6");
                  assertTrue(
                      now != null
                          && !now.getMetadata().getUid().equals(before.getMetadata().getUid())
                          && List.of(uidNow).equals(NodeProfileStatus.ownerNodeUids(now)),
                      () -> "not a fresh report of the new node: " + now);
                });
      } finally {
        cluster.restartOperator();
      }
      awaitInstalledOn(ns, "web", "3/3");
    } finally {
      leave("n6");
      AgentPods.remove(client(), Cluster.OPERATOR_NS, "n6");
    }
  }
}
