package dev.leastprivilege.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.cli.manifest.Manifest;
import dev.leastprivilege.webhook.AdmissionClient;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What the API server does with a Pod when our webhook is registered: sends it as an
 * AdmissionReview over HTTPS, applies the JSON Patch it gets back, and stores the result; or
 * refuses it with the webhook's message.
 */
final class PodAdmission {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final AdmissionClient webhook;

  /** One pod's outcome: the stored pod, or the refusal; and the warnings kubectl would print. */
  record Admitted(Manifest manifest, Pod stored, String refusal, List<String> warnings) {}

  PodAdmission(LocalCluster cluster) throws Exception {
    this.client = cluster.client();
    this.webhook = new AdmissionClient(cluster.webhookUrl(), Files.readString(cluster.webhookCa()));
  }

  Admitted admit(Manifest m) throws Exception {
    ObjectNode pod = JSON.valueToTree(m.body());
    ((ObjectNode) pod.with("metadata")).put("namespace", m.namespace());
    JsonNode response = webhook.review(AdmissionClient.createReview(pod, m.namespace()));
    List<String> warnings = new ArrayList<>();
    response.path("warnings").forEach(w -> warnings.add(w.asText()));
    if (!response.path("allowed").asBoolean()) {
      return new Admitted(m, null, response.path("status").path("message").asText(), warnings);
    }
    JsonNode patched = pod;
    if (response.has("patch")) {
      patched =
          JsonPatch.apply(
              JSON.readTree(Base64.getDecoder().decode(response.get("patch").asText())), pod);
    }
    Pod stored =
        client
            .resource(client.getKubernetesSerialization().convertValue(patched, Pod.class))
            .createOr(p -> p.update());
    return new Admitted(m, stored, null, warnings);
  }
}
