package dev.leastprivilege.controller.seccomp;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An informer cache that tells an index of its own about each object put or removed, before the
 * informer's event handlers run: the index is never behind the cache the mappers read.
 */
final class ObservedStore<T extends HasMetadata> implements ItemStore<T> {
  private final ItemStore<T> kept;
  private final BiConsumer<String, T> onPut;
  private final Consumer<String> onRemove;

  ObservedStore(ItemStore<T> kept, BiConsumer<String, T> onPut, Consumer<String> onRemove) {
    this.kept = kept;
    this.onPut = onPut;
    this.onRemove = onRemove;
  }

  @Override
  public String getKey(T obj) {
    return kept.getKey(obj);
  }

  @Override
  public T put(String key, T obj) {
    onPut.accept(key, obj);
    return kept.put(key, obj);
  }

  @Override
  public T remove(String key) {
    onRemove.accept(key);
    return kept.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return kept.keySet();
  }

  @Override
  public Stream<T> values() {
    return kept.values();
  }

  @Override
  public int size() {
    return kept.size();
  }

  @Override
  public T get(String key) {
    return kept.get(key);
  }

  @Override
  public boolean isFullState() {
    return kept.isFullState();
  }
}
