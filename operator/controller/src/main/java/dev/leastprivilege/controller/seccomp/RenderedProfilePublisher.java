package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.RenderedProfile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Step 2: the one writer of rendered-profile ConfigMaps. It publishes a valid profile's file, and
 * leaves the last good one alone when the profile becomes invalid. On deletion it replaces the
 * ConfigMap by a tombstone, then deletes it once the nodes have confirmed.
 *
 * <p>It never writes or deletes a ConfigMap that renders another profile (its {@link
 * RenderedProfileConfigMap#PROFILE_ANNOTATION} names the owner): every write is locked to the
 * resourceVersion it read, and a write that finds the name taken reads the ConfigMap and refuses
 * with {@link OwnedByAnother} when another profile owns it.
 */
final class RenderedProfilePublisher {
  /** The ConfigMap a profile's name maps to renders another profile: nothing was written. */
  static final class OwnedByAnother extends RuntimeException {
    OwnedByAnother(String configMap, String namespace, String owner) {
      super(
          "ConfigMap "
              + namespace
              + "/"
              + configMap
              + ", which would carry this profile to the nodes, renders "
              + owner
              + "; the operator never overwrites it. Rename this profile, or delete that ConfigMap"
              + " if nothing owns it");
    }
  }

  /**
   * What the nodes were given: the content hash and the revision (resourceVersion) of the write,
   * which the nodes' reports are compared with.
   */
  record Publication(String contentHash, long revision) {}

  /**
   * The operator's own last write of a ConfigMap, kept until its cache has caught up: the cache
   * hears of the operator's writes only through the watch, and a status compared with a cached
   * revision older than the operator's own write could count a node as having a content it does not
   * have (a spec changed and changed back within the cache's lag, or a profile deleted and
   * re-created).
   */
  private record Written(String contentHash, long revision, boolean deleted, Instant at) {}

  /** Entries older than this are dropped: a cache that far behind would be an outage of its own. */
  static final Duration FORGET_AFTER = Duration.ofMinutes(10);

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  RenderedProfilePublisher(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * The profile's ConfigMap as the operator knows it: the cached one, unless the operator's own
   * later write has not reached the cache yet. Every step reads the ConfigMap through this.
   */
  Optional<ConfigMap> current(ProfileRef ref, Optional<ConfigMap> cached) {
    String name = RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name());
    Written w = written.get(name);
    if (w == null) {
      return cached;
    }
    long cachedRevision =
        cached.flatMap(cm -> boxed(RenderedProfileConfigMap.revision(cm))).orElse(-1L);
    boolean caughtUp =
        w.deleted()
            ? cached.isEmpty() || cachedRevision > w.revision()
            : cachedRevision >= w.revision();
    if (caughtUp) {
      written.remove(name, w);
      return cached;
    }
    if (w.deleted()) {
      return Optional.empty();
    }
    ConfigMap known =
        w.contentHash() == null
            ? RenderedProfileConfigMap.tombstone(namespace, ref.namespace(), ref.name())
            : RenderedProfileConfigMap.build(
                namespace, ref.namespace(), ref.name(), new byte[0], w.contentHash());
    known.setData(null);
    known.getMetadata().setResourceVersion(Long.toString(w.revision()));
    return Optional.of(known);
  }

  /** Makes the ConfigMap hold this rendering; {@code current} comes from {@link #current}. */
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
    if (upToDate) {
      return new Publication(
          rendered.contentHash(),
          RenderedProfileConfigMap.revision(current.get()).orElse(Long.MAX_VALUE));
    }
    // An unchanged write is a no-op for the API server: it answers with the same resourceVersion.
    long revision =
        RenderedProfileConfigMap.revision(write(rendered.ref(), desired, current))
            .orElse(Long.MAX_VALUE);
    remember(
        desired.getMetadata().getName(),
        new Written(rendered.contentHash(), revision, false, Instant.now()));
    return new Publication(rendered.contentHash(), revision);
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
    ConfigMap tombstone =
        RenderedProfileConfigMap.tombstone(namespace, ref.namespace(), ref.name());
    long revision =
        RenderedProfileConfigMap.revision(write(ref, tombstone, current)).orElse(Long.MAX_VALUE);
    remember(tombstone.getMetadata().getName(), new Written(null, revision, false, Instant.now()));
    return OptionalLong.of(revision);
  }

  /**
   * Deletes the ConfigMap, if this profile has one; {@code current} comes from {@link #current}.
   * The deletion is locked to the revision the operator knows, so it never deletes a ConfigMap that
   * changed hands meanwhile.
   */
  void unpublish(ProfileRef ref, Optional<ConfigMap> current) {
    String name = RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name());
    if (current.isEmpty()
        || !RenderedProfileConfigMap.rendersProfile(current.get(), ref.namespace(), ref.name())) {
      return;
    }
    lockedDelete(name, current.get());
    long last = boxed(RenderedProfileConfigMap.revision(current.get())).orElse(0L);
    remember(name, new Written(null, last, true, Instant.now()));
  }

  /**
   * Deletes the ConfigMaps an earlier version published for this profile under another name (its
   * 32-bit-hash name for a long profile name), once the current one is published. The agents keep
   * the file, since the current ConfigMap still publishes the profile.
   */
  void removeEarlierNames(ProfileRef ref, Collection<ConfigMap> earlier) {
    for (ConfigMap cm : earlier) {
      if (RenderedProfileConfigMap.rendersProfile(cm, ref.namespace(), ref.name())) {
        lockedDelete(cm.getMetadata().getName(), cm);
      }
    }
  }

  private void lockedDelete(String name, ConfigMap known) {
    var resource = client.configMaps().inNamespace(namespace).withName(name);
    String rv = known.getMetadata().getResourceVersion();
    try {
      if (rv == null) {
        resource.delete();
      } else {
        resource.lockResourceVersion(rv).delete();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Changed since it was read: delete it only if it still renders the same profile.
      ConfigMap now = resource.get();
      if (now != null
          && RenderedProfileConfigMap.identity(now)
              .equals(RenderedProfileConfigMap.identity(known))) {
        resource.lockResourceVersion(now.getMetadata().getResourceVersion()).delete();
      }
    }
  }

  /**
   * Creates or replaces the ConfigMap of {@code ref}, locked to the revision the operator knows
   * ({@code current}); when the name turns out taken or changed, reads it and writes again only if
   * it renders {@code ref}.
   */
  private ConfigMap write(ProfileRef ref, ConfigMap desired, Optional<ConfigMap> current) {
    String name = desired.getMetadata().getName();
    String rv = current.map(cm -> cm.getMetadata().getResourceVersion()).orElse(null);
    for (int attempt = 0; ; attempt++) {
      try {
        if (rv == null) {
          desired.getMetadata().setResourceVersion(null);
          return client.resource(desired).create();
        }
        desired.getMetadata().setResourceVersion(rv);
        return client.resource(desired).update();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt > 0) {
          throw e;
        }
      } finally {
        desired.getMetadata().setResourceVersion(null);
      }
      ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
      if (existing != null
          && !RenderedProfileConfigMap.rendersProfile(existing, ref.namespace(), ref.name())) {
        throw new OwnedByAnother(
            name,
            namespace,
            RenderedProfileConfigMap.identity(existing)
                .map(id -> "profile " + id.namespace() + "/" + id.name())
                .orElse("no profile of this operator (it has no profile annotation)"));
      }
      rv = existing == null ? null : existing.getMetadata().getResourceVersion();
    }
  }

  private void remember(String name, Written w) {
    written.put(name, w);
    if (written.size() > 1024) {
      Instant cutoff = w.at().minus(FORGET_AFTER);
      written.values().removeIf(e -> e.at().isBefore(cutoff));
    }
  }

  private static Optional<Long> boxed(OptionalLong l) {
    return l.isPresent() ? Optional.of(l.getAsLong()) : Optional.empty();
  }
}
