package dev.leastprivilege.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Which capabilities the selected containers keep, and which they may ask for. */
@Group(ApiNames.GROUP)
@Version(ApiNames.VERSION)
@ShortNames("lpcap")
@Categories("leastprivilege")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.mode")
@AdditionalPrinterColumn(
    name = "Matched",
    jsonPath = ".status.matchedPods",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "NonCompliant",
    jsonPath = ".status.nonCompliantPods",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class CapabilityPolicy extends CustomResource<CapabilityPolicySpec, CapabilityPolicyStatus>
    implements Namespaced {
  public static final String KIND = "CapabilityPolicy";
}
