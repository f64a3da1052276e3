package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.leastprivilege.core.admission.AdmittedPod;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an UPDATE of pods/ephemeralcontainers ({@code kubectl debug}) into what the planner needs:
 * the new containers, the stored pod's labels and annotations (never the request body's, which a
 * client may edit or, on Kubernetes 1.16 to 1.21, which has none), and whether the API server takes
 * a securityContext on them (from 1.21).
 */
final class EphemeralUpdates {
  private static final Logger LOG = LoggerFactory.getLogger(EphemeralUpdates.class);
  private final ClusterReads cluster;

  /**
   * The API server's minor version, once read: an upgrade only moves it up, which can only refuse
   * more.
   */
  private volatile OptionalInt minor = OptionalInt.empty();

  /** The pod to plan, or why the request is refused without planning. */
  record Read(AdmittedPod pod, String refusal) {}

  EphemeralUpdates(ClusterReads cluster) {
    this.cluster = cluster;
  }

  /**
   * @param selectionMatters whether the namespace has profiles or policies whose selection needs
   *     the pod's labels; without any, nothing is read from the API server
   */
  Read read(AdmissionReviews.Request request, boolean selectionMatters) {
    JsonNode object = request.object();
    String ns = request.namespace();
    if (object.has("spec")) {
      // 1.22 and later: a Pod body, and oldObject is the stored pod.
      return new Read(
          AdmittedPod.ofEphemeralUpdate(
              object, request.oldObject(), request.oldObject().path("metadata"), true, ns),
          null);
    }
    if (!selectionMatters) {
      return new Read(
          AdmittedPod.ofEphemeralUpdate(
              object, request.oldObject(), MissingNode.getInstance(), true, ns),
          null);
    }
    JsonNode meta = object.path("metadata");
    String pod = ns + "/" + meta.path("name").asText();
    String uid = meta.path("uid").asText("");
    // The same pod, not one created under its name since the request was made.
    Optional<JsonNode> stored =
        cluster
            .podMetadata(ns, meta.path("name").asText())
            .filter(m -> uid.isEmpty() || uid.equals(m.path("uid").asText()));
    if (stored.isEmpty()) {
      LOG.warn("cannot read pod {} to admit its new ephemeral containers; refused", pod);
      return new Read(
          null,
          "cannot read pod "
              + pod
              + " to tell which SeccompProfiles and CapabilityPolicies select"
              + " its new ephemeral containers; try again");
    }
    OptionalInt version = minorVersion();
    if (version.isEmpty()) {
      LOG.warn(
          "cannot read the API server's version to admit the new ephemeral containers of {}; refused",
          pod);
      return new Read(
          null,
          "cannot read the API server's version, which decides whether an ephemeral container of"
              + " pod "
              + pod
              + " may carry a securityContext; try again");
    }
    return new Read(
        AdmittedPod.ofEphemeralUpdate(
            object, request.oldObject(), stored.get(), version.getAsInt() >= 21, ns),
        null);
  }

  private OptionalInt minorVersion() {
    if (minor.isEmpty()) {
      minor = cluster.minorVersion();
    }
    return minor;
  }
}
