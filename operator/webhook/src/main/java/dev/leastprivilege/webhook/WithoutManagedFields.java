package dev.leastprivilege.webhook;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that keeps objects without {@code metadata.managedFields}: the API server's
 * record of which client wrote which field, a tree of maps that nothing in this product reads and
 * that was the largest part of each cached profile (measured in docs/performance.md). Used by the
 * webhook's caches and the operator's primary caches.
 */
public class WithoutManagedFields<T extends HasMetadata> extends BasicItemStore<T> {
  public WithoutManagedFields() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    if (obj.getMetadata() != null) {
      obj.getMetadata().setManagedFields(null);
    }
    return super.put(key, obj);
  }
}
