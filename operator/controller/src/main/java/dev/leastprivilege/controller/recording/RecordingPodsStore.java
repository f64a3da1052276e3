package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.core.record.RecordingEnd;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The recording reconciler's pod cache: it hears about every pod but keeps only the ones the
 * webhook admitted for a recording (annotation {@link ApiNames#RECORDING_ANNOTATION}), by name and
 * annotations. A finished pod is kept with the time it was first seen finished ({@link
 * #FINISHED_SEEN}, in the cached copy only): a recording whose pods are all gone, or finished for
 * {@link RecordingEnd#SETTLE}, ends.
 */
final class RecordingPodsStore implements ItemStore<Pod> {
  /** Phases in which a pod runs nothing any more. */
  private static final Set<String> FINISHED = Set.of("Succeeded", "Failed");

  /** Annotation of the cached copy: when this cache first saw the pod finished. */
  static final String FINISHED_SEEN = ApiNames.GROUP + "/finished-seen";

  private final Clock clock;

  private final ReducedStateItemStore<Pod> kept;

  RecordingPodsStore(KubernetesSerialization json, Clock clock) {
    this.clock = clock;
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

  /** When the cache first saw the pod finished; empty while it runs. */
  static Optional<Instant> finishedSeen(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(FINISHED_SEEN))
        .map(Instant::parse);
  }

  @Override
  public Pod put(String key, Pod pod) {
    if (recordingOf(pod).isEmpty()) {
      return kept.remove(key);
    }
    boolean finished = pod.getStatus() != null && FINISHED.contains(pod.getStatus().getPhase());
    if (finished) {
      Pod before = kept.get(key);
      String seen =
          before == null
              ? clock.instant().toString()
              : finishedSeen(before).map(Instant::toString).orElse(clock.instant().toString());
      pod.getMetadata().getAnnotations().put(FINISHED_SEEN, seen);
    }
    return kept.put(key, pod);
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
