package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.record.RecordingEnd;
import dev.leastprivilege.core.record.RecordingFold;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a recording's reconcile reads, all from the informers {@link RecordingEventSources}
 * registered: no API calls. One per reconcile.
 */
final class RecordingInformers {
  private final Context<ProfileRecording> ctx;

  RecordingInformers(Context<ProfileRecording> ctx) {
    this.ctx = ctx;
  }

  Optional<SeccompProfile> recordingProfile(ProfileRecording rec) {
    return source(SeccompProfile.class, RecordingEventSources.RECORDED_OBJECTS)
        .get(new ResourceID(RecordingProfile.nameOf(rec), rec.getMetadata().getNamespace()));
  }

  /** The administrator's opt-in: {@code leastprivilege.dev/recording=allowed} on the namespace. */
  boolean optedIn(String namespace) {
    return source(Namespace.class, RecordingEventSources.NAMESPACES)
        .get(new ResourceID(namespace))
        .map(RecordingEventSources::optIn)
        .filter(ApiNames.RECORDING_ALLOWED::equals)
        .isPresent();
  }

  /** Every node's recorder report. */
  List<RecordingFold.NodeReport> nodeReports() {
    return source(NodeRecording.class, RecordingEventSources.NODE_REPORTS)
        .list()
        .map(r -> new RecordingFold.NodeReport(r.getMetadata().getName(), r.getStatus()))
        .toList();
  }

  /** How many pods admitted for this recording still run. */
  /**
   * The recording's pods that still run, or finished less than {@link RecordingEnd#SETTLE} ago, and
   * when the last of those settles (empty when one still runs or none is settling).
   */
  LivePods livePods(ProfileRecording rec, Instant now) {
    String name = rec.getMetadata().getName();
    List<Pod> pods =
        source(Pod.class, RecordingEventSources.PODS)
            .list(rec.getMetadata().getNamespace())
            .filter(p -> RecordingPodsStore.recordingOf(p).filter(name::equals).isPresent())
            .toList();
    int live = 0;
    Optional<Instant> settles = Optional.empty();
    for (Pod p : pods) {
      Optional<Instant> finished = RecordingPodsStore.finishedSeen(p);
      if (finished.isEmpty()) {
        live++;
      } else if (RecordingEnd.settling(finished.get(), now)) {
        live++;
        Instant at = finished.get().plus(RecordingEnd.SETTLE);
        settles = settles.filter(s -> s.isAfter(at)).or(() -> Optional.of(at));
      }
    }
    return new LivePods(live, settles);
  }

  record LivePods(int count, Optional<Instant> lastSettles) {}

  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> InformerEventSource<R, ProfileRecording> source(
      Class<R> type, String name) {
    return (InformerEventSource<R, ProfileRecording>)
        ctx.eventSourceRetriever().getEventSourceFor(type, name);
  }
}
