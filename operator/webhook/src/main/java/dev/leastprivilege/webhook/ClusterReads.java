package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the webhook reads from the API server, for the one request that does not carry what it
 * needs: adding ephemeral containers on Kubernetes 1.16 to 1.21, whose EphemeralContainers body has
 * neither the pod's labels nor a hint of the server's version. That is a kubectl debug, rare enough
 * for a read or two; everything else is answered from memory.
 */
public interface ClusterReads {
  /** The pod's metadata, or empty when it cannot be read (the request is then refused). */
  Optional<JsonNode> podMetadata(String namespace, String name);

  /** The API server's minor version, e.g. 20; empty when it cannot be read. */
  OptionalInt minorVersion();

  /**
   * Reads through the operator's client (RBAC: get pods; /version is open to every authenticated
   * client).
   */
  static ClusterReads of(KubernetesClient client) {
    return new ClusterReads() {
      @Override
      public Optional<JsonNode> podMetadata(String namespace, String name) {
        try {
          Pod pod = client.pods().inNamespace(namespace).withName(name).get();
          return Optional.ofNullable(pod)
              .map(
                  p ->
                      client
                          .getKubernetesSerialization()
                          .convertValue(p.getMetadata(), JsonNode.class));
        } catch (RuntimeException e) {
          return Optional.empty();
        }
      }

      @Override
      public OptionalInt minorVersion() {
        try {
          VersionInfo version = client.getKubernetesVersion();
          // Some distributions write "21+".
          return OptionalInt.of(Integer.parseInt(version.getMinor().replaceAll("[^0-9]", "")));
        } catch (RuntimeException e) {
          return OptionalInt.empty();
        }
      }
    };
  }

  /**
   * For tests and benchmarks that never add ephemeral containers to an EphemeralContainers body.
   */
  static ClusterReads none() {
    return new ClusterReads() {
      @Override
      public Optional<JsonNode> podMetadata(String namespace, String name) {
        return Optional.empty();
      }

      @Override
      public OptionalInt minorVersion() {
        return OptionalInt.empty();
      }
    };
  }
}
