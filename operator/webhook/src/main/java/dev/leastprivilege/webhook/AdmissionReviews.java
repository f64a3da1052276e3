package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.core.admission.AdmissionPlan;
import java.io.IOException;
import java.io.InputStream;

/**
 * admission.k8s.io/v1 AdmissionReview in and out, as plain JSON: the pod is never bound to a typed
 * model, so no field of a newer Kubernetes is lost and no time is spent on fields we do not read.
 */
final class AdmissionReviews {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String API_VERSION = "admission.k8s.io/v1";

  /**
   * An AdmissionReview of a Pod, as the API server builds it: {@code subResource} empty for the pod
   * itself, {@code oldObject} null for a CREATE.
   */
  static ObjectNode podReview(
      String uid,
      String operation,
      String subResource,
      String namespace,
      JsonNode object,
      JsonNode oldObject) {
    ObjectNode review =
        JSON.createObjectNode().put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
    ObjectNode request =
        review
            .putObject("request")
            .put("uid", uid)
            .put("operation", operation)
            .put("namespace", namespace);
    request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
    request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
    if (!subResource.isEmpty()) {
      request.put("subResource", subResource);
    }
    request.set("object", object);
    if (oldObject != null) {
      request.set("oldObject", oldObject);
    }
    return review;
  }

  /** A request that is not an AdmissionReview we can answer; its message names the field. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  /**
   * The parts of a request we use.
   *
   * @param resource e.g. "pods"; {@code subResource} is "" for the object itself, or e.g.
   *     "ephemeralcontainers"
   */
  record Request(
      String uid,
      String kind,
      String resource,
      String subResource,
      String operation,
      String namespace,
      JsonNode object,
      JsonNode oldObject) {
    /** A pod being created. */
    boolean podCreate() {
      return "Pod".equals(kind) && subResource.isEmpty() && "CREATE".equals(operation);
    }

    /** Ephemeral containers being added to a running pod (kubectl debug). */
    boolean ephemeralContainersUpdate() {
      return "pods".equals(resource)
          && "ephemeralcontainers".equals(subResource)
          && "UPDATE".equals(operation);
    }
  }

  private AdmissionReviews() {}

  static Request read(InputStream body) throws Malformed, IOException {
    JsonNode review;
    try {
      review = JSON.readTree(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new Malformed("body is not JSON: " + e.getOriginalMessage());
    }
    if (review == null || !review.isObject()) {
      throw new Malformed("body: expected an AdmissionReview object");
    }
    if (!API_VERSION.equals(review.path("apiVersion").asText())
        || !"AdmissionReview".equals(review.path("kind").asText())) {
      throw new Malformed(
          "apiVersion/kind: expected "
              + API_VERSION
              + " AdmissionReview (set admissionReviewVersions:"
              + " [v1] in the webhook configuration), got "
              + review.path("apiVersion").asText("<none>")
              + " "
              + review.path("kind").asText("<none>"));
    }
    JsonNode request = review.path("request");
    if (!request.isObject()) {
      throw new Malformed("request: required");
    }
    String uid = request.path("uid").asText("");
    if (uid.isEmpty()) {
      throw new Malformed("request.uid: required");
    }
    return new Request(
        uid,
        request.path("kind").path("kind").asText(""),
        request.path("resource").path("resource").asText(""),
        request.path("subResource").asText(""),
        request.path("operation").asText(""),
        request.path("namespace").asText(""),
        request.path("object"),
        request.path("oldObject"));
  }

  static byte[] allow(String uid) {
    return write(review(uid, true));
  }

  static byte[] answer(String uid, AdmissionPlan plan) {
    ObjectNode review = review(uid, plan.allowed());
    ObjectNode response = (ObjectNode) review.get("response");
    if (!plan.allowed()) {
      response
          .putObject("status")
          .put("code", 403)
          .put("reason", "Forbidden")
          .put("message", plan.message());
    } else if (plan.changes()) {
      response.put("patchType", "JSONPatch");
      // A binary node is written as base64, the encoding AdmissionResponse.patch needs.
      response.put("patch", write(plan.patch()));
    }
    if (!plan.warnings().isEmpty()) {
      plan.warnings().forEach(response.putArray("warnings")::add);
    }
    return write(review);
  }

  private static ObjectNode review(String uid, boolean allowed) {
    ObjectNode review =
        JSON.createObjectNode().put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
    review.putObject("response").put("uid", uid).put("allowed", allowed);
    return review;
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
