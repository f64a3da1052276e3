package dev.leastprivilege.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One per node, named after it, written only by that node's recorder (owned by the Node, as {@link
 * NodeProfileStatus}). Bounded: it lists the pods of active recordings on the node and the most
 * recent Audit findings, never one entry per profile.
 */
@Group(ApiNames.GROUP)
@Version(ApiNames.VERSION)
@ShortNames("lpnoderec")
@Categories("leastprivilege")
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodeName")
@AdditionalPrinterColumn(name = "Seccomp", jsonPath = ".status.seccompSource")
@AdditionalPrinterColumn(name = "Capabilities", jsonPath = ".status.capabilitySource")
@AdditionalPrinterColumn(
    name = "Lost",
    jsonPath = ".status.lostRecords",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "LastReport",
    jsonPath = ".status.lastReportTime",
    type = AdditionalPrinterColumn.Type.DATE)
public class NodeRecording extends CustomResource<NodeRecordingSpec, NodeRecordingStatus> {
  public static final String KIND = "NodeRecording";
}
