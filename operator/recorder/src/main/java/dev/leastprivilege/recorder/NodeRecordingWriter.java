package dev.leastprivilege.recorder;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.NodeRecordingSpec;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's one NodeRecording: created when missing (named after the node, owned by its
 * Node as the NodeProfileStatus is), its status written at most every {@link
 * RecorderConfig#reportInterval} and only when it changed. A failed write is tried again at the
 * next interval. The recorder is the only writer of its node's NodeRecording.
 */
final class NodeRecordingWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRecordingWriter.class);

  private final KubernetesClient client;
  private final RecorderConfig config;
  private final Supplier<NodeRecordingStatus> snapshot;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lpo-recorder-writer");
            t.setDaemon(true);
            return t;
          });

  /** The status last written, as JSON without its time; null before the first write. */
  private String written;

  private boolean ensured;

  NodeRecordingWriter(
      KubernetesClient client, RecorderConfig config, Supplier<NodeRecordingStatus> snapshot) {
    this.client = client;
    this.config = config;
    this.snapshot = snapshot;
  }

  void start() {
    long millis = config.reportInterval().toMillis();
    executor.scheduleWithFixedDelay(this::tick, 0, millis, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      writeIfChanged();
    } catch (KubernetesClientException e) {
      // Until a write succeeds, this node's recordings and Audit findings do not move: say why
      // and what an operator can check.
      LOG.warn(
          "could not write NodeRecording {} (HTTP {}: {}); this node's recordings and Audit"
              + " findings are not updated until a write succeeds; trying again in {}. Check the"
              + " recorder's RBAC (noderecordings/status), the API server's reachability, and for"
              + " a request too large the NodeRecording's size (kubectl get noderecording {} -o"
              + " json | wc -c)",
          config.nodeName(),
          e.getCode(),
          e.getMessage(),
          config.reportInterval(),
          config.nodeName());
    } catch (RuntimeException e) {
      LOG.warn("could not write NodeRecording {}: {}", config.nodeName(), e.toString(), e);
    }
  }

  /** Writes the status when it differs from the one last written; returns whether it wrote. */
  boolean writeIfChanged() {
    NodeRecordingStatus status = snapshot.get();
    String json = client.getKubernetesSerialization().asJson(status);
    if (Objects.equals(json, written)) {
      return false;
    }
    if (!ensured) {
      ensureObject();
      ensured = true;
    }
    status.setLastReportTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    NodeRecording object = new NodeRecording();
    object.setMetadata(new ObjectMetaBuilder().withName(config.nodeName()).build());
    object.setStatus(status);
    try {
      client.resource(object).patchStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        ensured = false; // deleted under us: made again at the next write
      }
      throw e;
    }
    written = json;
    return true;
  }

  /**
   * Creates the NodeRecording, owned by this node's Node, or makes an existing one (from an earlier
   * node of the same name, or made without an owner) owned by this Node.
   */
  private void ensureObject() {
    OwnerReference owner = owner();
    NodeRecording found = client.resources(NodeRecording.class).withName(config.nodeName()).get();
    if (found == null) {
      NodeRecordingSpec spec = new NodeRecordingSpec();
      spec.setNodeName(config.nodeName());
      NodeRecording fresh = new NodeRecording();
      fresh.setMetadata(
          new ObjectMetaBuilder()
              .withName(config.nodeName())
              .withOwnerReferences(owner == null ? List.of() : List.of(owner))
              .build());
      fresh.setSpec(spec);
      try {
        client.resource(fresh).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      return;
    }
    if (owner != null && !NodeProfileStatus.ownerNodeUids(found).equals(List.of(owner.getUid()))) {
      String patch =
          client
              .getKubernetesSerialization()
              .asJson(
                  java.util.Map.of(
                      "metadata",
                      java.util.Map.of("ownerReferences", List.of(owner)),
                      "spec",
                      java.util.Map.of("nodeName", config.nodeName())));
      client
          .resources(NodeRecording.class)
          .withName(config.nodeName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      LOG.info("NodeRecording {} now belongs to this node's Node", config.nodeName());
    }
  }

  /** This node's Node as owner; null when it cannot be read (the report then has no owner). */
  private OwnerReference owner() {
    try {
      Node node = client.nodes().withName(config.nodeName()).get();
      if (node != null) {
        return NodeProfileStatus.ownedBy(config.nodeName(), node.getMetadata().getUid());
      }
      LOG.warn("node {} not found: its NodeRecording gets no owner", config.nodeName());
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_FORBIDDEN) {
        throw e;
      }
      LOG.warn("may not read node {}: its NodeRecording gets no owner", config.nodeName());
    }
    return null;
  }

  /** Writes a last report, then stops. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tick();
  }
}
