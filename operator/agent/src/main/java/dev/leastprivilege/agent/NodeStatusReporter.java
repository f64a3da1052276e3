package dev.leastprivilege.agent;

import dev.leastprivilege.agent.kube.Binding;
import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.agent.kube.KubeApiException;
import dev.leastprivilege.agent.kube.KubeObjects;
import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.core.status.ReportOwnership;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's one NodeProfileStatus. Changes are gathered for a moment and written together,
 * so a burst of a thousand profiles costs a handful of writes; a failed write is retried until it
 * succeeds. Its size does not depend on the number of profiles.
 *
 * <p>The report is owned by this node's Node (by UID), so that it goes with the Node. Before its
 * first write, the agent reads its Node and the report it finds: a report its Node does not own (an
 * earlier node's of the same name, or an earlier agent's without an owner) is replaced by a fresh
 * one ({@link ReportOwnership#agentReplaces}); after an agent restart on the same node, the report
 * carries on.
 */
final class NodeStatusReporter {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);
  private static final long RETRY_MILLIS = 2000;

  /** A report as read: its metadata (owners, resourceVersion) is all the agent needs of it. */
  private static final Binding<NodeProfileStatus> REPORT_METADATA =
      new Binding<>(
          Set.of("metadata"),
          json -> {
            NodeProfileStatus report = new NodeProfileStatus();
            report.setMetadata(KubeObjects.metadata(json));
            return report;
          });

  private final KubeApi api;
  private final AgentConfig config;
  private final ScheduledExecutorService executor;
  private final Supplier<Report> snapshot;
  private boolean scheduled;

  /** Whether this run has checked the report it found; until then, no status is written. */
  private boolean claimed;

  /** This node's Node as the report's owner; null when the agent could not read its Node. */
  private OwnerReference owner;

  /**
   * How far the node has got: the revision up to which every change is applied, how many files it
   * has, and its failures (the first few, and how many in all).
   */
  record Report(
      String appliedRevision, int profiles, List<FailedProfile> failed, int failedCount) {}

  NodeStatusReporter(
      KubeApi api,
      AgentConfig config,
      ScheduledExecutorService executor,
      Supplier<Report> snapshot) {
    this.api = api;
    this.config = config;
    this.executor = executor;
    this.snapshot = snapshot;
  }

  /** Asks for a write soon. Must be called on the agent's executor thread. */
  void changed() {
    if (!scheduled) {
      scheduled = true;
      executor.schedule(this::flush, config.statusDelay().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void flush() {
    scheduled = false;
    Report report = snapshot.get();
    try {
      write(report);
    } catch (KubeApiException e) {
      LOG.warn(
          "could not write NodeProfileStatus {} ({}); retrying in {} ms",
          config.nodeName(),
          e.getMessage(),
          RETRY_MILLIS);
      scheduled = true;
      executor.schedule(this::flush, RETRY_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * One merge patch of the status subresource, with no read before it; the object is created the
   * first time. The whole status is sent, so a failure that is fixed leaves the list.
   */
  private void write(Report report) {
    if (!claimed) {
      claim();
      claimed = true;
    }
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision(report.appliedRevision());
    status.setProfiles(report.profiles());
    status.setFailed(report.failed());
    status.setFailedCount(report.failedCount());
    status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    NodeProfileStatus object = new NodeProfileStatus();
    object.setMetadata(new ObjectMetaBuilder().withName(config.nodeName()).build());
    object.setStatus(status);
    String path = reportPath();
    try {
      api.mergePatch(path + "/status", json(object));
    } catch (KubeApiException e) {
      if (e.code() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
      spec.setNodeName(config.nodeName());
      NodeProfileStatus fresh = new NodeProfileStatus();
      fresh.setMetadata(
          new ObjectMetaBuilder()
              .withName(config.nodeName())
              .withOwnerReferences(owner == null ? List.of() : List.of(owner))
              .build());
      fresh.setSpec(spec);
      api.create(KubeApi.path(NodeProfileStatus.class, null, null), json(fresh));
      api.mergePatch(path + "/status", json(object));
    }
    LOG.debug(
        "reported revision {}: {} profiles, {} failed",
        report.appliedRevision(),
        report.profiles(),
        report.failedCount());
  }

  /**
   * Once per run: reads this node's UID, and deletes the report found under the node's name when
   * the node does not own it; the write that follows creates a fresh one. The deletion is of the
   * version read, so a report someone else has just replaced is left alone.
   */
  private void claim() {
    Optional<String> nodeUid = nodeUid();
    owner = nodeUid.map(uid -> NodeProfileStatus.ownedBy(config.nodeName(), uid)).orElse(null);
    NodeProfileStatus found;
    try {
      found = api.get(reportPath(), REPORT_METADATA).orElse(null);
      if (found == null
          || !ReportOwnership.agentReplaces(NodeProfileStatus.ownerNodeUids(found), nodeUid)) {
        return;
      }
      String version = found.getMetadata().getResourceVersion();
      if (version == null) { // not from a real API server: nothing to delete it at
        LOG.warn(
            "NodeProfileStatus {} has no resourceVersion: writing to it as it is",
            config.nodeName());
        return;
      }
      api.deleteAt(reportPath(), version);
    } catch (KubeApiException e) {
      if (e.code() == HttpURLConnection.HTTP_NOT_FOUND) {
        return;
      }
      if (e.code() != HttpURLConnection.HTTP_FORBIDDEN) {
        throw e;
      }
      // RBAC of an earlier chart: reporting matters more than replacing.
      LOG.warn(
          "may not read or replace NodeProfileStatus {} ({}): writing to it as it is",
          config.nodeName(),
          e.getMessage());
      return;
    }
    LOG.info(
        "replaced the NodeProfileStatus {}: it was not this node's (owners {})",
        config.nodeName(),
        NodeProfileStatus.ownerNodeUids(found));
  }

  /**
   * This node's UID, or empty when the agent cannot read its Node (it then writes a report without
   * an owner, which the operator deletes once the node is gone).
   */
  private Optional<String> nodeUid() {
    try {
      Optional<ObjectMeta> node =
          api.get(KubeApi.path(Node.class, null, config.nodeName()), KubeObjects.METADATA);
      if (node.isPresent()) {
        return Optional.ofNullable(node.get().getUid());
      }
      LOG.warn("node {} not found: its report gets no owner", config.nodeName());
    } catch (KubeApiException e) {
      if (e.code() != HttpURLConnection.HTTP_FORBIDDEN) {
        throw e;
      }
      LOG.warn(
          "may not read node {} ({}): its report gets no owner", config.nodeName(), e.getMessage());
    }
    return Optional.empty();
  }

  /**
   * A report as JSON, as fabric8's serialization writes it ({@code NodeStatusReporterJsonTest}):
   * the agent does not use jackson-databind ({@link dev.leastprivilege.agent.kube.JsonTree}).
   */
  static Map<String, Object> json(NodeProfileStatus report) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("apiVersion", report.getApiVersion());
    o.put("kind", report.getKind());
    o.put("metadata", KubeObjects.tree(report.getMetadata()));
    if (report.getSpec() != null) {
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("nodeName", report.getSpec().getNodeName());
      o.put("spec", spec);
    }
    NodeProfileStatusStatus status = report.getStatus();
    if (status != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("appliedRevision", status.getAppliedRevision());
      s.put("profiles", status.getProfiles());
      if (status.getFailed() != null) {
        List<Map<String, Object>> failed = new ArrayList<>();
        for (FailedProfile f : status.getFailed()) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("namespace", f.getNamespace());
          one.put("name", f.getName());
          one.put("contentHash", f.getContentHash());
          one.put("message", f.getMessage());
          failed.add(one);
        }
        s.put("failed", failed);
      }
      s.put("failedCount", status.getFailedCount());
      s.put("lastSyncTime", status.getLastSyncTime());
      o.put("status", s);
    }
    return o;
  }

  private String reportPath() {
    return KubeApi.path(NodeProfileStatus.class, null, config.nodeName());
  }
}
