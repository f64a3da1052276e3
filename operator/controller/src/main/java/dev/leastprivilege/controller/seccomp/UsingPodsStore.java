package dev.leastprivilege.controller.seccomp;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.stream.Stream;

/**
 * The operator's pod cache: it hears about every pod but keeps only those whose spec points at one
 * of our files, in the reduced form {@link ActiveWorkloads} reads. Whether a profile is in use
 * therefore rests on the pod's spec, which nobody can change on a running pod (ephemeral containers
 * only add to it), and not on a label a tenant could remove. Memory grows with the pods that use
 * our profiles, not with the cluster's pods; the watch itself carries every pod change
 * (docs/performance.md).
 */
final class UsingPodsStore implements ItemStore<Pod> {
  private final ReducedStateItemStore<Pod> kept;

  UsingPodsStore(KubernetesSerialization json) {
    kept =
        new ReducedStateItemStore<>(
            ReducedStateItemStore.NAME_KEY_STATE, Pod.class, json, ActiveWorkloads.KEPT_FIELDS);
  }

  @Override
  public String getKey(Pod pod) {
    return kept.getKey(pod);
  }

  @Override
  public Pod put(String key, Pod pod) {
    // A finished pod uses nothing any more: dropping it here lets its profile go.
    return ActiveWorkloads.profilesOf(pod).isEmpty() ? kept.remove(key) : kept.put(key, pod);
  }

  @Override
  public Pod remove(String key) {
    return kept.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return kept.keySet();
  }

  @Override
  public Stream<Pod> values() {
    return kept.values();
  }

  @Override
  public int size() {
    return kept.size();
  }

  @Override
  public Pod get(String key) {
    return kept.get(key);
  }

  @Override
  public boolean isFullState() {
    return false;
  }
}
