package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.EventSourceStartPriority;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What wakes a SeccompProfile up besides its own spec, each mapped back to the profiles it
 * concerns.
 */
final class ProfileEventSources {
  static final String BY_BASE = "by-base";
  static final String BY_FILE = "by-file";
  static final String BASES = "base-profiles";
  static final String NODE_REPORTS = "node-reports";
  static final String NODES = "nodes";
  static final String AGENT_PODS = "agent-pods";
  static final String PODS = "pods";
  static final String CONFIG_MAPS = "rendered-configmaps";

  private ProfileEventSources() {}

  static List<EventSource<?, SeccompProfile>> create(
      EventSourceContext<SeccompProfile> ctx,
      String operatorNamespace,
      NodeReportIndex nodeReports,
      AgentNodes agentNodes,
      PublishedRevisions publishedRevisions) {
    // Children find their base through this index; a base's spec change re-renders them.
    ctx.getPrimaryCache()
        .addIndexer(BY_BASE, p -> ProfileCompilation.baseKey(p).map(List::of).orElse(List.of()));
    // A pod names a file; a name over 250 characters has a file name that does not spell it.
    ctx.getPrimaryCache()
        .addIndexer(BY_FILE, p -> List.of(ProfileCompilation.refOf(p).localhostProfile()));
    KubernetesSerialization json = ctx.getClient().getKubernetesSerialization();

    // A second view of the profiles, only to hear about base changes: it keeps just what that
    // needs.
    var bases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(SeccompProfile.class, SeccompProfile.class)
                .withName(BASES)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(baseStore(json))
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(
                            now.getMetadata().getGeneration(),
                            before.getMetadata().getGeneration()))
                .withSecondaryToPrimaryMapper(
                    base ->
                        ctx
                            .getPrimaryCache()
                            .byIndex(
                                BY_BASE,
                                base.getMetadata().getNamespace()
                                    + "/"
                                    + base.getMetadata().getName())
                            .stream()
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(p -> Set.of())
                .build(),
            ctx);

    // The nodes a profile must be installed on are those with an agent pod (AgentNodes); a node
    // counts only while it exists. Only a node coming or going changes that, and only when it has
    // an
    // agent pod; its frequent status updates do not.
    var reportStore = new WithoutManagedFields<NodeProfileStatus>();
    var staleReports = new StaleReportCleaner(ctx.getClient(), reportStore, agentNodes);
    var nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, SeccompProfile.class)
                .withName(NODES)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(agentNodes.nodeStore(json, staleReports::consider))
                .withOnUpdateFilter((now, before) -> false)
                .withSecondaryToPrimaryMapper(
                    node ->
                        everyProfileIfCountChanged(ctx, agentNodes, node.getMetadata().getName()))
                .withPrimaryToSecondaryMapper(p -> Set.of())
                .build(),
            ctx);

    // The agent's pods, in the operator's namespace: where the DaemonSet placed them is where the
    // profiles must be installed. A pod's own updates (its phase, its readiness) change nothing.
    var agentPods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, SeccompProfile.class)
                .withName(AGENT_PODS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withNamespaces(operatorNamespace)
                .withLabelSelector(agentPodSelector())
                .withItemStore(agentNodes.podStore(json))
                .withOnUpdateFilter(
                    (now, before) -> !AgentNodes.nodeOf(now).equals(AgentNodes.nodeOf(before)))
                .withSecondaryToPrimaryMapper(
                    pod ->
                        AgentNodes.nodeOf(pod)
                            .map(node -> everyProfileIfCountChanged(ctx, agentNodes, node))
                            .orElse(Set.of()))
                .withPrimaryToSecondaryMapper(p -> Set.of())
                .build(),
            ctx);

    // Both are complete before the reports' informer starts: its first listing, which asks of each
    // report whether its node counts and whether it is stale, then sees every node and agent pod.
    nodes.setEventSourcePriority(EventSourceStartPriority.RESOURCE_STATE_LOADER);
    agentPods.setEventSourcePriority(EventSourceStartPriority.RESOURCE_STATE_LOADER);

    // A node's report wakes only the profiles whose state on that node it changes, and only when
    // the node counts: the report of a node without an agent, or of a deleted node, counts for
    // nothing. Kept without managedFields. A report whose node is gone goes to the clean-up.
    var reports =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NodeProfileStatus.class, SeccompProfile.class)
                .withName(NODE_REPORTS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(reportStore)
                .withSecondaryToPrimaryMapper(
                    nps -> {
                      String node = nps.getMetadata().getName();
                      // Deleted (no longer cached): its node has nothing installed any more, and
                      // the index forgets it, so that node churn does not grow it.
                      boolean deleted = reportStore.get(node) == null;
                      if (!deleted && staleReports.looksStale(nps)) {
                        staleReports.consider(node);
                      }
                      Set<ProfileRef> changed =
                          deleted ? nodeReports.removed(node) : nodeReports.changedBy(nps);
                      return !agentNodes.isDesired(node)
                          ? Set.<ResourceID>of()
                          : changed.stream()
                              .map(r -> new ResourceID(r.name(), r.namespace()))
                              .collect(Collectors.toSet());
                    })
                .withPrimaryToSecondaryMapper(p -> Set.of())
                .build(),
            ctx);

    // Every pod, not only the labelled ones: a label can be removed from a running pod, its spec
    // cannot.
    var pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, SeccompProfile.class)
                .withName(PODS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(podStore(json))
                .withSecondaryToPrimaryMapper(
                    pod ->
                        ActiveWorkloads.profilesOf(pod).stream()
                            .flatMap(
                                r ->
                                    r.name().indexOf(ProfileRef.HASH_SEPARATOR) < 0
                                        ? java.util.stream.Stream.of(
                                            new ResourceID(r.name(), r.namespace()))
                                        : ctx
                                            .getPrimaryCache()
                                            .byIndex(BY_FILE, r.localhostProfile())
                                            .stream()
                                            .map(ResourceID::fromResource))
                            .collect(Collectors.toSet()))
                .build(),
            ctx);

    // The operator reads its ConfigMaps' identity, hash and revision, never their data: the agents
    // check data against hash.
    var configMaps =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, SeccompProfile.class)
                .withName(CONFIG_MAPS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(configMapStore(json, publishedRevisions))
                .withNamespaces(operatorNamespace)
                .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
                .withSecondaryToPrimaryMapper(
                    cm ->
                        RenderedProfileConfigMap.identity(cm)
                            .map(c -> Set.of(new ResourceID(c.name(), c.namespace())))
                            .orElse(Set.of()))
                .build(),
            ctx);

    return List.of(bases, reports, nodes, agentPods, pods, configMaps, staleReports);
  }

  /**
   * Every profile, when the node's counting changed ({@link AgentNodes#announce}): its desired
   * count changed.
   */
  private static Set<ResourceID> everyProfileIfCountChanged(
      EventSourceContext<SeccompProfile> ctx, AgentNodes agentNodes, String node) {
    return agentNodes.announce(node)
        ? ctx.getPrimaryCache().keys().collect(Collectors.toSet())
        : Set.of();
  }

  /** The agent pods' label selector, as the informer takes it. */
  static String agentPodSelector() {
    return AgentNodes.AGENT_POD_SELECTOR.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  // The caches' contents, one factory each, so that tests exercise the stores the event sources
  // use.

  /** The base-change view: a profile's identity and generation. */
  static ItemStore<SeccompProfile> baseStore(KubernetesSerialization json) {
    return new ReducedStateItemStore<>(
        ReducedStateItemStore.NAME_KEY_STATE, SeccompProfile.class, json, "metadata.generation");
  }

  /** Nodes: their names only. */
  static ItemStore<Node> nodeStore(KubernetesSerialization json) {
    return new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, Node.class, json);
  }

  /** Pods: only those that use one of our files. */
  static ItemStore<Pod> podStore(KubernetesSerialization json) {
    return new UsingPodsStore(json);
  }

  /**
   * Rendered-profile ConfigMaps: identity and hash (annotations and labels), not the data; and
   * which profile was published at which revision.
   */
  static ItemStore<ConfigMap> configMapStore(
      KubernetesSerialization json, PublishedRevisions publishedRevisions) {
    return publishedRevisions.store(json);
  }
}
