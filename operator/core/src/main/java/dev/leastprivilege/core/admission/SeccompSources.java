package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a container's seccomp profile comes from, read as the API server and the kubelet read it:
 * the container's field, else its deprecated annotation, else the pod's field, else the pod's
 * deprecated annotation. The API server (1.19 to 1.24) copies an annotation into the missing field
 * when the pod is stored, and kubelets up to 1.24 honour the annotations, so an annotation is as
 * good as the field it stands for.
 */
final class SeccompSources {
  static final String POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod";
  static final String CONTAINER_ANNOTATION_PREFIX =
      "container.seccomp.security.alpha.kubernetes.io/";

  private SeccompSources() {}

  /** The container's own annotation key. */
  static String containerAnnotation(String container) {
    return CONTAINER_ANNOTATION_PREFIX + container;
  }

  /**
   * The profile a container runs with, in field form ({type, localhostProfile}); missing when none
   * is set.
   */
  static JsonNode effective(AdmittedPod pod, AdmittedPod.AdmittedContainer c) {
    if (c.seccompProfile().isObject()) {
      return c.seccompProfile();
    }
    JsonNode own = fromAnnotation(pod.annotations().get(containerAnnotation(c.name())));
    if (!own.isMissingNode()) {
      return own;
    }
    return pod.podSeccompProfile().isObject()
        ? pod.podSeccompProfile()
        : fromAnnotation(pod.annotations().get(POD_ANNOTATION));
  }

  /**
   * A deprecated annotation's value as the field it stands for: {@code unconfined}, {@code
   * runtime/default} (or the older {@code docker/default}) and {@code localhost/<path>}. Missing
   * for no value; an unknown value is kept as type "Unknown" so that it is never mistaken for one
   * of our profiles.
   */
  static JsonNode fromAnnotation(String value) {
    if (value == null) {
      return MissingNode.getInstance();
    }
    ObjectNode field = JsonNodeFactory.instance.objectNode();
    if (value.startsWith("localhost/")) {
      return field
          .put("type", "Localhost")
          .put("localhostProfile", value.substring("localhost/".length()));
    }
    return switch (value) {
      case "unconfined" -> field.put("type", "Unconfined");
      case "runtime/default", "docker/default" -> field.put("type", "RuntimeDefault");
      default -> field.put("type", "Unknown");
    };
  }
}
