package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a reconcile reads, all from the informers {@link ProfileEventSources} registered: no API
 * calls. One per reconcile.
 */
final class ProfileInformers {
  private final Context<SeccompProfile> ctx;

  ProfileInformers(Context<SeccompProfile> ctx) {
    this.ctx = ctx;
  }

  /** The resourceVersion of a profile as the base-change informer last saw it. */
  Optional<String> baseVersion(ResourceID id) {
    return source(SeccompProfile.class, ProfileEventSources.BASES)
        .get(id)
        .map(p -> p.getMetadata().getResourceVersion());
  }

  /** Every node's report (NodeProfileStatus). */
  Stream<NodeProfileStatus> nodeReports() {
    return source(NodeProfileStatus.class, ProfileEventSources.NODE_REPORTS).list();
  }

  /**
   * The pods that use the profile, namespace/name: the pod event source's mapper already indexed
   * them.
   */
  List<String> usingPods() {
    return ctx.getSecondaryResources(Pod.class).stream()
        .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * The live profiles of a namespace, as the webhook sees them when it picks one for an annotation.
   */
  List<SeccompProfile> liveProfiles(String namespace) {
    return ctx.getPrimaryCache()
        .list(namespace)
        .filter(p -> p.getSpec() != null && p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  /** One of the informers ProfileEventSources registered, read directly (no per-profile index). */
  @SuppressWarnings("unchecked")
  private <R extends HasMetadata> InformerEventSource<R, SeccompProfile> source(
      Class<R> type, String name) {
    return (InformerEventSource<R, SeccompProfile>)
        ctx.eventSourceRetriever().getEventSourceFor(type, name);
  }
}
