package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.record.RecordingFold;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
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
  int livePods(ProfileRecording rec) {
    String name = rec.getMetadata().getName();
    return (int)
        source(Pod.class, RecordingEventSources.PODS)
            .list(rec.getMetadata().getNamespace())
            .filter(p -> RecordingPodsStore.recordingOf(p).filter(name::equals).isPresent())
            .count();
  }

  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> InformerEventSource<R, ProfileRecording> source(
      Class<R> type, String name) {
    return (InformerEventSource<R, ProfileRecording>)
        ctx.eventSourceRetriever().getEventSourceFor(type, name);
  }
}
