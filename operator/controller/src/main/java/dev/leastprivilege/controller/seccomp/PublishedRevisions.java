package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Which profile's ConfigMap was last changed at which revision. When a node reports that it has
 * applied everything up to a new revision, the profiles whose current publish lies between its old
 * and new revision are the ones whose status changes on that node: this finds them without looking
 * at every profile.
 */
final class PublishedRevisions {
  private final NavigableMap<Long, ProfileRef> byRevision = new ConcurrentSkipListMap<>();
  private final Map<String, Long> revisionOf = new ConcurrentHashMap<>();

  /** The profiles whose current publish (or tombstone) has a revision in (after, upTo]. */
  Set<ProfileRef> between(long after, long upTo) {
    return after >= upTo
        ? Set.of()
        : new HashSet<>(byRevision.subMap(after, false, upTo, true).values());
  }

  /** Records a ConfigMap's current revision (none when it is gone), forgetting its previous one. */
  private void changed(String key, ConfigMap cm) {
    var identity = RenderedProfileConfigMap.identity(cm);
    var revision = RenderedProfileConfigMap.revision(cm);
    Long now = identity.isPresent() && revision.isPresent() ? revision.getAsLong() : null;
    Long old = now == null ? revisionOf.remove(key) : revisionOf.put(key, now);
    if (now != null) {
      byRevision.put(now, new ProfileRef(identity.get().namespace(), identity.get().name()));
    }
    if (old != null && !old.equals(now)) {
      byRevision.remove(old);
    }
  }

  /**
   * The operator's cache of its ConfigMaps: identity and hash (annotations and labels), not the
   * data, and this index kept up to date as the cache changes.
   */
  ReducedStateItemStore<ConfigMap> store(KubernetesSerialization json) {
    return new ReducedStateItemStore<>(
        ReducedStateItemStore.NAME_KEY_STATE,
        ConfigMap.class,
        json,
        "metadata.annotations",
        "metadata.labels") {
      @Override
      public ConfigMap put(String key, ConfigMap cm) {
        ConfigMap previous = super.put(key, cm);
        changed(key, cm);
        return previous;
      }

      @Override
      public ConfigMap remove(String key) {
        ConfigMap previous = super.remove(key);
        changed(key, null);
        return previous;
      }
    };
  }
}
