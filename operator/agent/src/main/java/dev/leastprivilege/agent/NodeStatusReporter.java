package dev.leastprivilege.agent;

import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's one NodeProfileStatus. Changes are gathered for a moment and written together,
 * so a burst of a thousand profiles costs a handful of writes; a failed write is retried until it
 * succeeds. Its size does not depend on the number of profiles.
 */
final class NodeStatusReporter {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);
  private static final long RETRY_MILLIS = 2000;

  private final KubernetesClient client;
  private final AgentConfig config;
  private final ScheduledExecutorService executor;
  private final Supplier<Report> snapshot;
  private boolean scheduled;

  /**
   * How far the node has got: the revision up to which every change is applied, how many files it
   * has, and its failures (the first few, and how many in all).
   */
  record Report(
      String appliedRevision, int profiles, List<FailedProfile> failed, int failedCount) {}

  NodeStatusReporter(
      KubernetesClient client,
      AgentConfig config,
      ScheduledExecutorService executor,
      Supplier<Report> snapshot) {
    this.client = client;
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
    } catch (KubernetesClientException e) {
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
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision(report.appliedRevision());
    status.setProfiles(report.profiles());
    status.setFailed(report.failed());
    status.setFailedCount(report.failedCount());
    status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    NodeProfileStatus object = new NodeProfileStatus();
    object.setMetadata(new ObjectMetaBuilder().withName(config.nodeName()).build());
    object.setStatus(status);
    try {
      client.resource(object).patchStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
      spec.setNodeName(config.nodeName());
      NodeProfileStatus fresh = new NodeProfileStatus();
      fresh.setMetadata(new ObjectMetaBuilder().withName(config.nodeName()).build());
      fresh.setSpec(spec);
      client.resource(fresh).create();
      client.resource(object).patchStatus();
    }
    LOG.debug(
        "reported revision {}: {} profiles, {} failed",
        report.appliedRevision(),
        report.profiles(),
        report.failedCount());
  }
}
