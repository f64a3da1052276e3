package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.RenderedProfile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.Objects;
import java.util.Optional;

/**
 * Step 2: the one writer of rendered-profile ConfigMaps. It publishes a valid profile's file, and
 * leaves the last good one alone when the profile becomes invalid.
 */
final class RenderedProfilePublisher {
  private final KubernetesClient client;
  private final String namespace;

  RenderedProfilePublisher(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Makes the ConfigMap hold this rendering; returns the published content hash. */
  String publish(RenderedProfile rendered, Optional<ConfigMap> current) {
    ConfigMap desired =
        RenderedProfileConfigMap.build(
            namespace,
            rendered.ref().namespace(),
            rendered.ref().name(),
            rendered.json(),
            rendered.contentHash());
    // The cache keeps no data (see ProfileEventSources): the content hash annotation stands for it.
    boolean upToDate =
        current.isPresent()
            && Objects.equals(
                current.get().getMetadata().getAnnotations(),
                desired.getMetadata().getAnnotations())
            && Objects.equals(
                current.get().getMetadata().getLabels(), desired.getMetadata().getLabels());
    if (!upToDate) {
      client.resource(desired).createOr(NonDeletingOperation::update);
    }
    return rendered.contentHash();
  }

  /** The hash of what the nodes were last given, if anything. */
  static Optional<String> publishedHash(Optional<ConfigMap> current) {
    return current.flatMap(RenderedProfileConfigMap::contentHash);
  }

  void unpublish(ProfileRef ref) {
    client
        .configMaps()
        .inNamespace(namespace)
        .withName(RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name()))
        .delete();
  }
}
