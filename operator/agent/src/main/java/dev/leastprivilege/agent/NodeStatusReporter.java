package dev.leastprivilege.agent;

import dev.leastprivilege.api.v1alpha1.InstalledProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
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
 * succeeds.
 */
final class NodeStatusReporter {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusReporter.class);
  private static final long RETRY_MILLIS = 2000;

  private final KubernetesClient client;
  private final AgentConfig config;
  private final ScheduledExecutorService executor;
  private final Supplier<Report> snapshot;
  private boolean scheduled;

  /** What the node has: installed profiles and failures, each sorted. */
  record Report(List<InstalledProfile> installed, List<InstalledProfile> failed) {}

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

  private void write(Report report) {
    Resource<NodeProfileStatus> resource =
        client.resources(NodeProfileStatus.class).withName(config.nodeName());
    NodeProfileStatus current = resource.get();
    if (current == null) {
      NodeProfileStatus fresh = new NodeProfileStatus();
      fresh.setMetadata(new ObjectMetaBuilder().withName(config.nodeName()).build());
      NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
      spec.setNodeName(config.nodeName());
      fresh.setSpec(spec);
      current = client.resource(fresh).create();
    }
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setInstalled(report.installed());
    status.setFailed(report.failed());
    status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    current.setStatus(status);
    client.resource(current).patchStatus();
    LOG.debug(
        "reported {} installed and {} failed profiles",
        report.installed().size(),
        report.failed().size());
  }
}
