package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * The stored metadata of a running pod, for the one request that does not carry it: adding ephemeral containers
 * on Kubernetes 1.16 to 1.21, whose EphemeralContainers body has no labels. That is a kubectl debug, rare enough for
 * one read from the API server; everything else is answered from memory.
 */
@FunctionalInterface
public interface StoredPods {
  /** The pod's metadata, or empty when it cannot be read (then the request is refused: we cannot tell what selects it). */
  Optional<JsonNode> metadata(String namespace, String name);

  /** Reads pods through the operator's client (RBAC: get pods). */
  static StoredPods of(KubernetesClient client) {
    return (namespace, name) -> {
      try {
        Pod pod = client.pods().inNamespace(namespace).withName(name).get();
        return Optional.ofNullable(pod).map(p -> client.getKubernetesSerialization().convertValue(p.getMetadata(),
            JsonNode.class));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    };
  }
}
