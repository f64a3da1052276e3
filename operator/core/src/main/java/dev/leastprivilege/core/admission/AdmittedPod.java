package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of a Pod the planner reads, taken from the AdmissionReview's JSON as it is: the webhook never
 * round-trips a pod through a typed model, so fields it does not know survive untouched.
 */
public record AdmittedPod(String namespace, String name, Map<String, String> labels, Map<String, String> annotations,
    JsonNode podSeccompProfile, List<AdmittedContainer> containers) {

  /** One container, with the JSON Pointer of its list entry, e.g. /spec/initContainers/0. */
  public record AdmittedContainer(String pointer, String name, ObjectNode securityContext) {
    /** The container's seccompProfile, or a missing node. */
    public JsonNode seccompProfile() {
      return securityContext == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
          : securityContext.path("seccompProfile");
    }

    public List<String> capabilities(String list) {
      return texts(securityContext == null ? null : securityContext.path("capabilities").path(list));
    }
  }

  /**
   * Reads a pod. {@code namespace} is the request's namespace: a pod being created may not carry one itself.
   *
   * @throws IllegalArgumentException naming the field, when the pod is not shaped like a Pod
   */
  public static AdmittedPod of(JsonNode pod, String namespace) {
    if (pod == null || !pod.isObject()) {
      throw new IllegalArgumentException("request.object: expected a Pod object");
    }
    JsonNode meta = pod.path("metadata");
    String name = meta.path("name").asText(meta.path("generateName").asText(""));
    List<AdmittedContainer> containers = new ArrayList<>();
    for (String list : List.of("initContainers", "containers")) {
      JsonNode items = pod.path("spec").path(list);
      if (items.isMissingNode() || items.isNull()) {
        continue;
      }
      if (!items.isArray()) {
        throw new IllegalArgumentException("request.object.spec." + list + ": expected a list");
      }
      for (int i = 0; i < items.size(); i++) {
        JsonNode c = items.get(i);
        JsonNode sc = c.path("securityContext");
        if (!c.isObject() || !(sc.isMissingNode() || sc.isNull() || sc.isObject())) {
          throw new IllegalArgumentException("request.object.spec." + list + "[" + i + "]: expected a container"
              + " object with an object securityContext");
        }
        containers.add(new AdmittedContainer("/spec/" + list + "/" + i, c.path("name").asText(""),
            sc.isObject() ? (ObjectNode) sc : null));
      }
    }
    return new AdmittedPod(namespace, name, strings(meta.path("labels")), strings(meta.path("annotations")),
        pod.path("spec").path("securityContext").path("seccompProfile"), containers);
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
