package dev.leastprivilege.agent.kube;

import java.util.Set;

/**
 * Where a {@link ListWatch} hands what it lists and watches, one object at a time, in the order the
 * API server sends them. Keys are "namespace/name".
 */
public interface WatchedStore<T> {
  /** An object was listed, added or modified. */
  void put(String key, T object);

  /** An object was deleted, or is no longer in a new list. */
  void remove(String key);

  /** The keys held now: a new list removes those it did not return. */
  Set<String> keys();
}
