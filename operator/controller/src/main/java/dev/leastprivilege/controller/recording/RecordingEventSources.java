package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What wakes a ProfileRecording besides its own spec, each mapped back to the recordings it names.
 */
final class RecordingEventSources {
  static final String NODE_REPORTS = "recording-node-reports";
  static final String RECORDED_OBJECTS = "recorded-objects";
  static final String NAMESPACES = "recording-namespaces";
  static final String PODS = "recorded-pods";

  private RecordingEventSources() {}

  static List<EventSource<?, ProfileRecording>> create(EventSourceContext<ProfileRecording> ctx) {
    KubernetesSerialization json = ctx.getClient().getKubernetesSerialization();

    // A node's report wakes the recordings it names now or named before, and, when the node's
    // sources change (a kernel without the trace event), every recording still running.
    Map<String, Set<ResourceID>> namedBefore = new ConcurrentHashMap<>();
    Map<String, String> sourcesBefore = new ConcurrentHashMap<>();
    var reportStore = new WithoutAuditFindings();
    var reports =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(NodeRecording.class, ProfileRecording.class)
                .withName(NODE_REPORTS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(reportStore)
                .withSecondaryToPrimaryMapper(
                    report -> {
                      String node = report.getMetadata().getName();
                      boolean deleted = reportStore.get(node) == null;
                      Set<ResourceID> now = deleted ? Set.of() : recordingsNamedBy(report);
                      Set<ResourceID> out = new HashSet<>(now);
                      Set<ResourceID> before =
                          deleted ? namedBefore.remove(node) : namedBefore.put(node, now);
                      if (before != null) {
                        out.addAll(before);
                      }
                      String sources = deleted ? null : sources(report);
                      String old =
                          deleted ? sourcesBefore.remove(node) : sourcesBefore.put(node, sources);
                      if (!Objects.equals(old, sources)) {
                        out.addAll(running(ctx));
                      }
                      return out;
                    })
                .withPrimaryToSecondaryMapper(r -> Set.of())
                .build(),
            ctx);

    // The recording profiles and the results: whatever carries the recorded-by label.
    var recorded =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(SeccompProfile.class, ProfileRecording.class)
                .withName(RECORDED_OBJECTS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withLabelSelector(ApiNames.RECORDED_BY_LABEL)
                .withItemStore(new WithoutManagedFields<>())
                .withSecondaryToPrimaryMapper(
                    p ->
                        Set.of(
                            new ResourceID(
                                p.getMetadata().getLabels().get(ApiNames.RECORDED_BY_LABEL),
                                p.getMetadata().getNamespace())))
                .withPrimaryToSecondaryMapper(r -> Set.of())
                .build(),
            ctx);

    // The administrator's opt-in: a label change wakes the namespace's recordings.
    var namespaces =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Namespace.class, ProfileRecording.class)
                .withName(NAMESPACES)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(namespaceStore(json))
                .withOnUpdateFilter((now, before) -> !Objects.equals(optIn(now), optIn(before)))
                .withSecondaryToPrimaryMapper(
                    ns ->
                        ctx.getPrimaryCache()
                            .list(ns.getMetadata().getName())
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(r -> Set.of())
                .build(),
            ctx);

    // The pods admitted for a recording: when the last one goes, the recording ends.
    var pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, ProfileRecording.class)
                .withName(PODS)
                .withInformerListLimit(OperatorSettings.LIST_PAGE)
                .withItemStore(new RecordingPodsStore(json, java.time.Clock.systemUTC()))
                .withSecondaryToPrimaryMapper(
                    pod ->
                        RecordingPodsStore.recordingOf(pod)
                            .map(r -> Set.of(new ResourceID(r, pod.getMetadata().getNamespace())))
                            .orElse(Set.of()))
                .withPrimaryToSecondaryMapper(r -> Set.of())
                .build(),
            ctx);

    return List.of(reports, recorded, namespaces, pods);
  }

  static String optIn(Namespace ns) {
    Map<String, String> labels = ns.getMetadata().getLabels();
    return labels == null ? null : labels.get(ApiNames.RECORDING_ALLOWED_LABEL);
  }

  private static Set<ResourceID> recordingsNamedBy(NodeRecording report) {
    if (report.getStatus() == null || report.getStatus().getPods() == null) {
      return Set.of();
    }
    return report.getStatus().getPods().stream()
        .filter(p -> p.getRecording() != null && p.getNamespace() != null)
        .map(p -> new ResourceID(p.getRecording(), p.getNamespace()))
        .collect(Collectors.toSet());
  }

  private static String sources(NodeRecording report) {
    return report.getStatus() == null
        ? ""
        : report.getStatus().getSeccompSource() + "|" + report.getStatus().getCapabilitySource();
  }

  /** Every recording not yet Completed. */
  private static Set<ResourceID> running(EventSourceContext<ProfileRecording> ctx) {
    return ctx.getPrimaryCache()
        .list()
        .filter(r -> r.getStatus() == null || r.getStatus().getPhase() != RecordingPhase.Completed)
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** Namespaces: name and labels only. */
  static ItemStore<Namespace> namespaceStore(KubernetesSerialization json) {
    return new ReducedStateItemStore<>(
        ReducedStateItemStore.NAME_KEY_STATE, Namespace.class, json, "metadata.labels");
  }

  /** The recording side of a report: its pods and sources, not the Audit findings. */
  static final class WithoutAuditFindings extends WithoutManagedFields<NodeRecording> {
    @Override
    public NodeRecording put(String key, NodeRecording report) {
      if (report.getStatus() != null) {
        report.getStatus().setAuditFindings(List.of());
      }
      return super.put(key, report);
    }
  }
}
