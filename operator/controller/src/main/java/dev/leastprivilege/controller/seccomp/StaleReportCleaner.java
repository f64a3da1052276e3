package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.status.ReportOwnership;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the NodeProfileStatus of a node that is gone, or that an earlier node of the same name
 * left behind ({@link ReportOwnership#stale}). On a cluster the garbage collector does the same
 * through the report's owner reference to its Node, which the agent sets; this covers what it
 * cannot: reports that earlier agents wrote without one, and API servers without a garbage
 * collector. Otherwise a deleted node's report would stay forever.
 *
 * <p>It reads the caches the profiles' reconciler already has (the reports, and the nodes in {@link
 * AgentNodes}): no watch of its own. The informers tell it of each node that comes or goes and of
 * each report that looks stale, the reports' first listing included, so a node deleted while the
 * operator was down is cleaned up when it starts. Only the leader runs it, as it runs the
 * informers. The work is done on a thread of its own, never in an informer's event thread: before
 * deleting, the API server confirms (one GET of the Node) what the Node cache says, since that
 * cache may be behind the reports'; and the report is deleted only in the version it was judged in,
 * so a fresh report its agent wrote meanwhile stays.
 *
 * <p>A JOSDK event source only for its life cycle (it starts and stops with the controller); it
 * sends no events.
 */
final class StaleReportCleaner extends AbstractEventSource<Void, SeccompProfile> {
  static final String NAME = "stale-reports";

  /** When a deletion met a newer version of the report, or failed, it is judged again this soon. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(StaleReportCleaner.class);

  private final KubernetesClient client;
  private final ItemStore<NodeProfileStatus> reports;
  private final AgentNodes nodes;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private ScheduledExecutorService executor;
  private boolean stopped;

  StaleReportCleaner(
      KubernetesClient client, ItemStore<NodeProfileStatus> reports, AgentNodes nodes) {
    super(Void.class, NAME);
    this.client = client;
    this.reports = reports;
    this.nodes = nodes;
  }

  /** Looks at the report of this node soon, unless it is already waiting to be looked at. */
  void consider(String node) {
    if (queued.add(node)) {
      schedule(node, Duration.ZERO);
    }
  }

  /** Whether the caches say the report is stale: cheap, for the informers' threads. */
  boolean looksStale(NodeProfileStatus report) {
    return ReportOwnership.stale(
        NodeProfileStatus.ownerNodeUids(report), nodes.nodeUid(report.getMetadata().getName()));
  }

  private synchronized void schedule(String node, Duration delay) {
    if (stopped) {
      return;
    }
    if (executor == null) {
      executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "lpo-stale-reports");
                t.setDaemon(true);
                return t;
              });
    }
    executor.schedule(() -> check(node), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check(String node) {
    queued.remove(node);
    try {
      deleteIfStale(node);
    } catch (RuntimeException e) {
      boolean conflict =
          e instanceof KubernetesClientException k
              && k.getCode() == HttpURLConnection.HTTP_CONFLICT;
      if (!conflict) {
        LOG.warn("could not clean up the NodeProfileStatus of node {}: {}", node, e.getMessage());
      }
      if (queued.add(node)) {
        schedule(node, RETRY);
      }
    }
  }

  private void deleteIfStale(String node) {
    NodeProfileStatus report = reports.get(node);
    if (report == null || !looksStale(report)) {
      return;
    }
    Optional<String> live =
        Optional.ofNullable(client.nodes().withName(node).get()).map(n -> uidOf(n));
    if (!ReportOwnership.stale(NodeProfileStatus.ownerNodeUids(report), live)) {
      return;
    }
    try {
      client
          .resources(NodeProfileStatus.class)
          .withName(node)
          .lockResourceVersion(report.getMetadata().getResourceVersion())
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
    }
    LOG.info(
        "deleted the NodeProfileStatus of node {}: {}",
        node,
        live.isEmpty() ? "the node is gone" : "it belonged to an earlier node of that name");
  }

  private static String uidOf(Node node) {
    return node.getMetadata().getUid();
  }

  @Override
  public Set<Void> getSecondaryResources(SeccompProfile primary) {
    return Set.of();
  }

  @Override
  public synchronized void stop() {
    stopped = true;
    if (executor != null) {
      executor.shutdownNow();
    }
    super.stop();
  }
}
