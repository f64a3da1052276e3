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

  /**
   * Keys of the ConfigMaps whose name is not the one the operator gives their profile now (an
   * earlier version's name, {@link RenderedProfileConfigMap#nameFor}): usually none. With it, a
   * deletion is checked against at most a few entries, not all of them: a namespace's or an
   * uninstall's thousands of deletions would otherwise cost the square of the profiles.
   */
  private final Set<String> otherNames = ConcurrentHashMap.newKeySet();

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
    trackName(key, next);
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
        trackName(key, previous);
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
    otherNames.remove(key);
    ConfigMap old = restore(key, previous);
    if (old != null && previous.removed() == null && !publishedElsewhere(key, previous.profile())) {
      RenderedProfileConfigMap.identity(old)
          .ifPresent(id -> applier.forget(new ProfileRef(id.namespace(), id.name())));
    }
  }

  /**
   * Whether a ConfigMap other than {@code key}, not a tombstone, publishes this profile: the one
   * under the profile's name now, or one under another name ({@link #otherNames}).
   */
  private boolean publishedElsewhere(String key, String profile) {
    if (profile == null) {
      return false;
    }
    String named = currentKey(key, profile);
    if (named != null && !named.equals(key) && publishes(entries.get(named), profile)) {
      return true;
    }
    for (String other : otherNames) {
      if (!other.equals(key) && publishes(entries.get(other), profile)) {
        return true;
      }
    }
    return false;
  }

  private static boolean publishes(Entry e, String profile) {
    return e != null && profile.equals(e.profile()) && e.removed() == null;
  }

  private void trackName(String key, Entry e) {
    String named = e == null || e.profile() == null ? null : currentKey(key, e.profile());
    if (e == null || key.equals(named)) {
      otherNames.remove(key);
    } else {
      otherNames.add(key);
    }
  }

  /**
   * The store's key of the ConfigMap the operator publishes a profile under now, in the namespace
   * of {@code key}; null when the profile annotation is not {@code <namespace>/<name>}.
   */
  private static String currentKey(String key, String profile) {
    int slash = profile.indexOf('/');
    if (slash <= 0 || slash == profile.length() - 1) {
      return null;
    }
    return key.substring(0, key.indexOf('/') + 1)
        + RenderedProfileConfigMap.nameFor(
            profile.substring(0, slash), profile.substring(slash + 1));
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
