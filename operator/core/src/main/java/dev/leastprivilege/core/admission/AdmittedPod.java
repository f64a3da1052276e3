package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of a Pod the planner reads, taken from the AdmissionReview's JSON as it is: the webhook
 * never round-trips a pod through a typed model, so fields it does not know survive untouched.
 *
 * @param creating true for a pod being created; false when only new ephemeral containers are being
 *     added to a running pod (then {@link #containers} holds just those, and the pod's labels
 *     cannot be patched)
 * @param podSpec the pod's {@code spec}, or a missing node when the request carries no pod spec
 *     (the {@code EphemeralContainers} body of Kubernetes 1.16 to 1.21)
 * @param securityContextsPatchable false where the API server refuses any securityContext on the
 *     containers (ephemeral containers before Kubernetes 1.21): what would be patched is refused
 *     instead
 */
public record AdmittedPod(
    String namespace,
    String name,
    Map<String, String> labels,
    Map<String, String> annotations,
    JsonNode podSpec,
    List<AdmittedContainer> containers,
    boolean creating,
    boolean securityContextsPatchable) {

  /** One container, with the JSON Pointer of its list entry, e.g. /spec/initContainers/0. */
  public record AdmittedContainer(String pointer, String name, ObjectNode securityContext) {
    /** The container's seccompProfile field, or a missing node. */
    public JsonNode seccompProfile() {
      return field("seccompProfile");
    }

    /** A securityContext field, or a missing node. */
    public JsonNode field(String name) {
      return securityContext == null ? MissingNode.getInstance() : securityContext.path(name);
    }

    /** The raw strings of capabilities.drop or .add, exactly as written. */
    public List<String> capabilities(String list) {
      return texts(
          securityContext == null ? null : securityContext.path("capabilities").path(list));
    }

    public boolean ephemeral() {
      return pointer.contains("/ephemeralContainers/");
    }
  }

  /** The pod-level securityContext.seccompProfile, or a missing node. */
  public JsonNode podSeccompProfile() {
    return podSpec.path("securityContext").path("seccompProfile");
  }

  /**
   * Reads a pod being created. {@code namespace} is the request's namespace: a pod being created
   * may not carry one itself.
   *
   * @throws IllegalArgumentException naming the field, when the pod is not shaped like a Pod
   */
  public static AdmittedPod of(JsonNode pod, String namespace) {
    requireObject(pod, "Pod");
    List<AdmittedContainer> containers = new ArrayList<>();
    for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
      read(pod.path("spec").path(list), "/spec/" + list, "spec." + list, Set.of(), containers);
    }
    return new AdmittedPod(
        namespace,
        nameOf(pod),
        strings(pod.path("metadata").path("labels")),
        strings(pod.path("metadata").path("annotations")),
        pod.path("spec"),
        containers,
        true,
        true);
  }

  /**
   * Reads an UPDATE of the {@code pods/ephemeralcontainers} subresource: only the ephemeral
   * containers that {@code oldObject} does not have yet, since those already running cannot change.
   * The body is a Pod (Kubernetes 1.22 and later) or an {@code EphemeralContainers} object with a
   * top-level list (1.16 to 1.21).
   *
   * @param storedMetadata the stored pod's metadata, whose labels and annotations decide what
   *     selects the new containers. Never the request's: an EphemeralContainers object carries no
   *     labels, and a client can send a Pod body with other labels (the API server drops metadata
   *     changes only after admission).
   */
  public static AdmittedPod ofEphemeralUpdate(
      JsonNode object,
      JsonNode oldObject,
      JsonNode storedMetadata,
      boolean securityContextsAllowed,
      String namespace) {
    requireObject(object, "Pod or EphemeralContainers");
    boolean podShaped = object.has("spec");
    String pointer = podShaped ? "/spec/ephemeralContainers" : "/ephemeralContainers";
    String field = podShaped ? "spec.ephemeralContainers" : "ephemeralContainers";
    Set<String> existing = new HashSet<>();
    JsonNode old =
        oldObject.has("spec")
            ? oldObject.path("spec").path("ephemeralContainers")
            : oldObject.path("ephemeralContainers");
    old.forEach(c -> existing.add(c.path("name").asText()));
    List<AdmittedContainer> containers = new ArrayList<>();
    read(object.at(pointer), pointer, field, existing, containers);
    return new AdmittedPod(
        namespace,
        nameOf(object),
        strings(storedMetadata.path("labels")),
        strings(storedMetadata.path("annotations")),
        podShaped ? object.path("spec") : MissingNode.getInstance(),
        containers,
        false,
        securityContextsAllowed);
  }

  private static void requireObject(JsonNode node, String what) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("request.object: expected a " + what + " object");
    }
  }

  private static String nameOf(JsonNode object) {
    JsonNode meta = object.path("metadata");
    return meta.path("name").asText(meta.path("generateName").asText(""));
  }

  private static void read(
      JsonNode items, String pointer, String field, Set<String> skip, List<AdmittedContainer> out) {
    if (items.isMissingNode() || items.isNull()) {
      return;
    }
    if (!items.isArray()) {
      throw new IllegalArgumentException("request.object." + field + ": expected a list");
    }
    for (int i = 0; i < items.size(); i++) {
      JsonNode c = items.get(i);
      JsonNode sc = c.path("securityContext");
      if (!c.isObject() || !(sc.isMissingNode() || sc.isNull() || sc.isObject())) {
        throw new IllegalArgumentException(
            "request.object."
                + field
                + "["
                + i
                + "]: expected a container"
                + " object with an object securityContext");
      }
      if (!skip.contains(c.path("name").asText())) {
        out.add(
            new AdmittedContainer(
                pointer + "/" + i,
                c.path("name").asText(""),
                sc.isObject() ? (ObjectNode) sc : null));
      }
    }
  }

  private static Map<String, String> strings(JsonNode map) {
    Map<String, String> out = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }
}
