package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The nodes a profile must be installed on: those where the agent's DaemonSet has placed a pod (a
 * pod labelled {@link ApiNames#AGENT_POD_LABEL} in the operator's namespace), and that exist.
 *
 * <p>Kubernetes' DaemonSet controller has already applied the chart's nodeSelector, affinity and
 * tolerations to decide where the agent runs; reading its decision from the pods, rather than
 * evaluating those rules here, cannot drift from it. A pod counts from the moment it is created,
 * still Pending or not yet scheduled (the DaemonSet names its node in a required node affinity):
 * the agent is meant to run there, and until it has installed the profile there it is not installed
 * there. A pod that is being deleted counts until it is gone, so a rolling update of the agent does
 * not make the count flicker. A node that is deleted stops counting at once, even though its pods
 * are removed by Kubernetes' pod garbage collector only later.
 *
 * <p>Memory is a node name per agent pod and per node. The informers' stores update it ({@link
 * #podStore}, {@link #nodeStore}); a reconcile reads {@link #desired()}, which costs one pass over
 * the nodes, as listing the Node cache did before.
 */
final class AgentNodes {
  /** The label the DaemonSet's pods carry, as an informer's selector. */
  static final Map<String, String> AGENT_POD_SELECTOR = Map.of(ApiNames.AGENT_POD_LABEL, "true");

  private final Map<String, String> nodeOfPod = new ConcurrentHashMap<>();
  private final Map<String, Integer> podsOnNode = new ConcurrentHashMap<>();

  /** The nodes that exist, with their UIDs. */
  private final Map<String, String> nodes = new ConcurrentHashMap<>();

  /** What the event mappers last told the profiles, per node: whether it counted. */
  private final Set<String> announced = new HashSet<>();

  /** The nodes that count, now. */
  Set<String> desired() {
    Set<String> out = new HashSet<>();
    for (String node : podsOnNode.keySet()) {
      if (nodes.containsKey(node)) {
        out.add(node);
      }
    }
    return out;
  }

  boolean isDesired(String node) {
    return podsOnNode.containsKey(node) && nodes.containsKey(node);
  }

  /**
   * Whether the node's counting changed since the mappers last said so; records that it is now
   * said. An event on a node wakes every profile only when this is true, so a rolling update of the
   * agent (a pod goes, another comes on the same node) or a node without an agent wakes none.
   */
  synchronized boolean announce(String node) {
    boolean now = isDesired(node);
    return now ? announced.add(node) : announced.remove(node);
  }

  /**
   * The node an agent pod is placed on: its {@code spec.nodeName}, or, before the scheduler has
   * bound it, the one node its required node affinity names, as the DaemonSet controller writes it
   * ({@code matchFields: [{key: metadata.name, operator: In, values: [node]}]}).
   */
  static Optional<String> nodeOf(Pod pod) {
    if (pod.getSpec() == null) {
      return Optional.empty();
    }
    if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
      return Optional.of(pod.getSpec().getNodeName());
    }
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null
        || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return Optional.empty();
    }
    List<NodeSelectorTerm> terms =
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    Set<String> named = new HashSet<>();
    for (NodeSelectorTerm term : terms == null ? List.<NodeSelectorTerm>of() : terms) {
      for (NodeSelectorRequirement r :
          term.getMatchFields() == null
              ? List.<NodeSelectorRequirement>of()
              : term.getMatchFields()) {
        if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator())) {
          named.addAll(r.getValues() == null ? List.of() : r.getValues());
        }
      }
    }
    return named.size() == 1 ? Optional.of(named.iterator().next()) : Optional.empty();
  }

  /** The agent pods' cache: what {@link #nodeOf} reads, and this index kept up to date. */
  ItemStore<Pod> podStore(KubernetesSerialization json) {
    return new ObservedStore<>(
        new ReducedStateItemStore<>(
            ReducedStateItemStore.NAME_KEY_STATE,
            Pod.class,
            json,
            "spec.nodeName",
            "spec.affinity"),
        (key, pod) -> placed(key, nodeOf(pod).orElse(null)),
        key -> placed(key, null));
  }

  /** The UID of the Node of that name, if it exists. */
  Optional<String> nodeUid(String node) {
    return Optional.ofNullable(nodes.get(node));
  }

  /**
   * The nodes' cache, names only, and this index kept up to date; {@code changed} hears of each
   * node that comes or goes.
   */
  ItemStore<Node> nodeStore(KubernetesSerialization json, Consumer<String> changed) {
    return new ObservedStore<>(
        ProfileEventSources.nodeStore(json),
        (key, node) -> {
          String uid = Objects.requireNonNullElse(node.getMetadata().getUid(), "");
          // Not on a node's own updates (its heartbeats): only a new node, or a new one of a name.
          if (!Objects.equals(uid, nodes.put(node.getMetadata().getName(), uid))) {
            changed.accept(node.getMetadata().getName());
          }
        },
        key -> {
          nodes.remove(key);
          changed.accept(key);
        });
  }

  /** Records where a pod is now (null: nowhere, or gone). */
  synchronized void placed(String podKey, String node) {
    String before = node == null ? nodeOfPod.remove(podKey) : nodeOfPod.put(podKey, node);
    if (Objects.equals(before, node)) {
      return;
    }
    if (before != null) {
      podsOnNode.computeIfPresent(before, (n, count) -> count == 1 ? null : count - 1);
    }
    if (node != null) {
      podsOnNode.merge(node, 1, Integer::sum);
    }
  }
}
