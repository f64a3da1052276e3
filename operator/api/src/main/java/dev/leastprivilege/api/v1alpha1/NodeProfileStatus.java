package dev.leastprivilege.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/**
 * One per node, named after it, written only by that node's agent: one object per node, not per
 * profile, and of a size that does not grow with the number of profiles (see {@link
 * NodeProfileStatusStatus}).
 */
@Group(ApiNames.GROUP)
@Version(ApiNames.VERSION)
@ShortNames("lpnode")
@Categories("leastprivilege")
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodeName")
@AdditionalPrinterColumn(
    name = "Profiles",
    jsonPath = ".status.profiles",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Failed",
    jsonPath = ".status.failedCount",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Revision", jsonPath = ".status.appliedRevision")
@AdditionalPrinterColumn(
    name = "LastSync",
    jsonPath = ".status.lastSyncTime",
    type = AdditionalPrinterColumn.Type.DATE)
public class NodeProfileStatus
    extends CustomResource<NodeProfileStatusSpec, NodeProfileStatusStatus> {
  public static final String KIND = "NodeProfileStatus";

  /**
   * The reference the agent puts on its node's report: the report goes with its Node (the garbage
   * collector deletes it), and a node re-created under the same name, having another UID, does not
   * own it.
   */
  public static OwnerReference ownedBy(String nodeName, String nodeUid) {
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("Node")
        .withName(nodeName)
        .withUid(nodeUid)
        .build();
  }

  /** The UIDs of the Nodes among a report's owners. */
  public static List<String> ownerNodeUids(HasMetadata report) {
    List<OwnerReference> refs = report.getMetadata().getOwnerReferences();
    return refs == null
        ? List.of()
        : refs.stream()
            .filter(r -> "Node".equals(r.getKind()) && "v1".equals(r.getApiVersion()))
            .map(OwnerReference::getUid)
            .toList();
  }
}
