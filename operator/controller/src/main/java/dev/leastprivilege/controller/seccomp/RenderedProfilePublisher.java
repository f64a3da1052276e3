package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.RenderedProfile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Step 2: the one writer of rendered-profile ConfigMaps. It publishes a valid profile's file, and
 * leaves the last good one alone when the profile becomes invalid. On deletion it replaces the
 * ConfigMap by a tombstone, then deletes it once the nodes have confirmed.
 */
final class RenderedProfilePublisher {
  /**
   * What the nodes were given: the content hash and the revision (resourceVersion) of the write,
   * which the nodes' reports are compared with.
   */
  record Publication(String contentHash, long revision) {}

  private final KubernetesClient client;
  private final String namespace;

  RenderedProfilePublisher(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Makes the ConfigMap hold this rendering. */
  Publication publish(RenderedProfile rendered, Optional<ConfigMap> current) {
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
    // An unchanged write is a no-op for the API server: it answers with the same resourceVersion.
    ConfigMap written =
        upToDate ? current.get() : client.resource(desired).createOr(NonDeletingOperation::update);
    return new Publication(
        rendered.contentHash(), RenderedProfileConfigMap.revision(written).orElse(Long.MAX_VALUE));
  }

  /** What the nodes were last given, if anything (a tombstone gives them nothing). */
  static Optional<Publication> published(Optional<ConfigMap> current) {
    return current
        .filter(cm -> !RenderedProfileConfigMap.isTombstone(cm))
        .flatMap(
            cm ->
                RenderedProfileConfigMap.contentHash(cm)
                    .map(
                        hash ->
                            new Publication(
                                hash,
                                RenderedProfileConfigMap.revision(cm).orElse(Long.MAX_VALUE))));
  }

  /**
   * Asks the nodes to remove the profile's file: replaces its ConfigMap by a tombstone, and returns
   * the tombstone's revision, which each node confirms by reporting it. Empty when nothing was
   * published.
   */
  OptionalLong tombstone(ProfileRef ref, Optional<ConfigMap> current) {
    if (current.isEmpty()) {
      return OptionalLong.empty();
    }
    if (RenderedProfileConfigMap.isTombstone(current.get())) {
      return RenderedProfileConfigMap.revision(current.get());
    }
    ConfigMap written =
        client
            .resource(RenderedProfileConfigMap.tombstone(namespace, ref.namespace(), ref.name()))
            .update();
    return OptionalLong.of(RenderedProfileConfigMap.revision(written).orElse(Long.MAX_VALUE));
  }

  void unpublish(ProfileRef ref) {
    client
        .configMaps()
        .inNamespace(namespace)
        .withName(RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name()))
        .delete();
  }
}
