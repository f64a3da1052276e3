package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The recording reconciler's pod cache: it hears about every pod but keeps only the running ones
 * the webhook admitted for a recording (annotation {@link ApiNames#RECORDING_ANNOTATION}), by name
 * and annotations. A recording whose pods are all gone ends.
 */
final class RecordingPodsStore implements ItemStore<Pod> {
  /** Phases in which a pod runs nothing any more. */
  private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");

  private final ReducedStateItemStore<Pod> kept;

  RecordingPodsStore(KubernetesSerialization json) {
    kept =
        new ReducedStateItemStore<>(
            ReducedStateItemStore.NAME_KEY_STATE, Pod.class, json, "metadata.annotations");
  }

  static Optional<String> recordingOf(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return Optional.ofNullable(
        annotations == null ? null : annotations.get(ApiNames.RECORDING_ANNOTATION));
  }

  @Override
  public String getKey(Pod pod) {
    return kept.getKey(pod);
  }

  @Override
  public Pod put(String key, Pod pod) {
    boolean finished = pod.getStatus() != null && FINISHED.contains(pod.getStatus().getPhase());
    return recordingOf(pod).isEmpty() || finished ? kept.remove(key) : kept.put(key, pod);
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
