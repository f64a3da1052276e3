package dev.leastprivilege.controller;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.seccomp.NodeReportIndex;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.status.NodeReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/** A node's report read as the operator reads it, for the tests' assertions. */
final class NodeReports {
  private NodeReports() {}

  /**
   * The content hash of a rendered-profile ConfigMap, when the node's report says it has that
   * publish installed.
   */
  static Optional<String> installed(KubernetesClient client, String node, ConfigMap published) {
    NodeProfileStatus nps = client.resources(NodeProfileStatus.class).withName(node).get();
    if (nps == null || published == null) {
      return Optional.empty();
    }
    var id = RenderedProfileConfigMap.identity(published).orElseThrow();
    String hash = RenderedProfileConfigMap.contentHash(published).orElseThrow();
    return NodeReportIndex.parse(node, nps)
        .reportFor(
            new ProfileRef(id.namespace(), id.name()),
            RenderedProfileConfigMap.revision(published).orElseThrow(),
            hash)
        .filter(r -> !r.isFailure())
        .map(NodeReport::contentHash);
  }
}
