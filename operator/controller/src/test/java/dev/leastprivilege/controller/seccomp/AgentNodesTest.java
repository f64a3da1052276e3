package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentNodesTest {
  private final KubernetesSerialization json = new KubernetesSerialization();
  private final AgentNodes agentNodes = new AgentNodes();
  private final List<String> nodeEvents = new ArrayList<>();
  private final ItemStore<Pod> pods = agentNodes.podStore(json);
  private final ItemStore<Node> nodes = agentNodes.nodeStore(json, nodeEvents::add);

  private static Pod bound(String name, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("lpo")
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .endSpec()
        .build();
  }

  /** A DaemonSet's pod before the scheduler bound it: its node is in its required affinity. */
  private static Pod unscheduled(String name, String node) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("lpo")
        .endMetadata()
        .withNewSpec()
        .withNewAffinity()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .addNewMatchField()
        .withKey("metadata.name")
        .withOperator("In")
        .withValues(node)
        .endMatchField()
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .endAffinity()
        .endSpec()
        .build();
  }

  private static Node node(String name, String uid) {
    return new NodeBuilder().withNewMetadata().withName(name).withUid(uid).endMetadata().build();
  }

  private void put(Pod pod) {
    pods.put(pods.getKey(pod), pod);
  }

  private void put(Node node) {
    nodes.put(nodes.getKey(node), node);
  }

  @Test
  void onlyExistingNodesWithAnAgentPodCount() {
    put(node("n1", "u1"));
    put(node("n2", "u2"));
    put(bound("agent-a", "n1"));
    put(bound("agent-c", "n3"));
    assertEquals(
        Set.of("n1"),
        agentNodes.desired(),
        "n2 has no agent (nodeSelector), n3 is not a node (any more)");
    assertTrue(agentNodes.isDesired("n1"));
    assertFalse(agentNodes.isDesired("n2"));
    assertFalse(agentNodes.isDesired("n3"));
  }

  @Test
  void aPodNotYetScheduledCountsForTheNodeItsDaemonSetNamed() {
    put(node("n1", "u1"));
    Pod pending = unscheduled("agent-a", "n1");
    assertEquals(Optional.of("n1"), AgentNodes.nodeOf(pending));
    put(pending);
    assertEquals(Set.of("n1"), agentNodes.desired());
    assertEquals(Optional.empty(), AgentNodes.nodeOf(bound("other", null)));
  }

  @Test
  void aRollingUpdateOfTheAgentDoesNotChangeTheCount() {
    put(node("n1", "u1"));
    Pod old = bound("agent-old", "n1");
    put(old);
    assertTrue(agentNodes.announce("n1"), "the node starts counting");
    put(bound("agent-new", "n1"));
    pods.remove(pods.getKey(old));
    assertFalse(agentNodes.announce("n1"), "a pod replaced by another wakes no profile");
    assertEquals(Set.of("n1"), agentNodes.desired());
    pods.remove(pods.getKey(bound("agent-new", "n1")));
    assertTrue(agentNodes.announce("n1"), "the last pod gone: the node stops counting");
    assertEquals(Set.of(), agentNodes.desired());
  }

  @Test
  void aDeletedNodeStopsCountingAtOnceAndIsReported() {
    put(node("n1", "u1"));
    put(bound("agent-a", "n1"));
    assertTrue(agentNodes.announce("n1"));
    nodes.remove("n1");
    assertEquals(Set.of(), agentNodes.desired(), "its pod is still there, the node is not");
    assertTrue(agentNodes.announce("n1"));
    assertEquals(List.of("n1", "n1"), nodeEvents, "added, then removed");
    assertEquals(Optional.empty(), agentNodes.nodeUid("n1"));
  }

  @Test
  void aNodesHeartbeatIsNoNewsButANewNodeOfTheSameNameIs() {
    put(node("n1", "u1"));
    put(node("n1", "u1"));
    assertEquals(List.of("n1"), nodeEvents, "an update of the same node");
    put(node("n1", "u2"));
    assertEquals(List.of("n1", "n1"), nodeEvents, "another node under the same name");
    assertEquals(Optional.of("u2"), agentNodes.nodeUid("n1"));
  }
}
