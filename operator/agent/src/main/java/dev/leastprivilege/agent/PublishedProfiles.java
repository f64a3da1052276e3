package dev.leastprivilege.agent;

import dev.leastprivilege.agent.kube.WatchedStore;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's store of the rendered-profile ConfigMaps it watches: for each its identity, content
 * hash and resourceVersion, never its data, so the agent's memory does not grow with the size of
 * the profiles. Each change is handed to the {@link ProfileApplier} as it is stored, with its full
 * content, on the watch's thread: the {@link dev.leastprivilege.agent.kube.ListWatch} reads a list
 * as it streams, one ConfigMap at a time, so at most one ConfigMap's content is in memory at once,
 * and it records a change's revision only after the change is applied.
 */
final class PublishedProfiles implements WatchedStore<ConfigMap> {
  /** What is kept of one ConfigMap: a few short strings. */
  private record Entry(String resourceVersion, String profile, String contentHash, String removed) {
    static Entry of(ConfigMap cm) {
      Map<String, String> a =
          cm.getMetadata().getAnnotations() == null ? Map.of() : cm.getMetadata().getAnnotations();
      return new Entry(
          cm.getMetadata().getResourceVersion(),
          a.get(RenderedProfileConfigMap.PROFILE_ANNOTATION),
          a.get(RenderedProfileConfigMap.HASH_ANNOTATION),
          a.get(RenderedProfileConfigMap.REMOVED_ANNOTATION));
    }
  }

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final ProfileApplier applier;

  PublishedProfiles(ProfileApplier applier) {
    this.applier = applier;
  }

  /**
   * Records the change first, then applies it: see {@link ProfileApplier#retry}. A re-list hands
   * every ConfigMap over again; one whose resourceVersion has not changed was applied already.
   */
  @Override
  public void put(String key, ConfigMap cm) {
    Entry next = Entry.of(cm);
    Entry previous = entries.put(key, next);
    if (previous == null || !Objects.equals(previous.resourceVersion(), next.resourceVersion())) {
      try {
        applier.apply(cm);
      } catch (RuntimeException e) {
        // Not recorded, so that the list that follows the failure hands it over again.
        if (previous == null) {
          entries.remove(key);
        } else {
          entries.put(key, previous);
        }
        throw e;
      }
    }
  }

  /**
   * A ConfigMap that goes costs the node nothing: the operator removes a profile's file with a
   * tombstone (which the node applied and confirmed before the tombstone itself goes), and never
   * deletes a ConfigMap that is not one. A ConfigMap deleted without one was deleted by someone
   * else (its namespace deleted, an uninstall, kubectl): its file is kept, since its profile may
   * still exist and pods use the file, and the node forgets it. The file is then an orphan, which
   * the operator's next publish overwrites or the next start-up's clean-up removes once its profile
   * is gone ({@link ProfileApplier#collectGarbage}).
   */
  @Override
  public void remove(String key) {
    Entry previous = entries.remove(key);
    ConfigMap old = restore(key, previous);
    if (old != null && previous.removed() == null && !publishedElsewhere(previous.profile())) {
      RenderedProfileConfigMap.identity(old)
          .ifPresent(id -> applier.forget(new ProfileRef(id.namespace(), id.name())));
    }
  }

  /**
   * Whether another ConfigMap, not a tombstone, publishes this profile. A scan, not an index:
   * deletions are rare, and an index would cost memory per profile for them.
   */
  private boolean publishedElsewhere(String profile) {
    return profile != null
        && entries.values().stream()
            .anyMatch(e -> profile.equals(e.profile()) && e.removed() == null);
  }

  @Override
  public Set<String> keys() {
    return entries.keySet();
  }

  /** What is kept of a ConfigMap (no data), or null when it is not held. */
  ConfigMap get(String key) {
    return restore(key, entries.get(key));
  }

  private static ConfigMap restore(String key, Entry e) {
    if (e == null) {
      return null;
    }
    int slash = key.indexOf('/');
    Map<String, String> annotations = new LinkedHashMap<>();
    put(annotations, RenderedProfileConfigMap.PROFILE_ANNOTATION, e.profile());
    put(annotations, RenderedProfileConfigMap.HASH_ANNOTATION, e.contentHash());
    put(annotations, RenderedProfileConfigMap.REMOVED_ANNOTATION, e.removed());
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(key.substring(0, slash))
        .withName(key.substring(slash + 1))
        .withResourceVersion(e.resourceVersion())
        .withAnnotations(annotations)
        .endMetadata()
        .build();
  }

  private static void put(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
