package dev.leastprivilege.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A seccomp profile that the operator renders and installs on every node. */
@Group(ApiNames.GROUP)
@Version(ApiNames.VERSION)
@ShortNames("lpsp")
@Categories("leastprivilege")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.mode")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Installed",
    jsonPath = ".status.installedOn",
    getDescription = "installed/desired nodes")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class SeccompProfile extends CustomResource<SeccompProfileSpec, SeccompProfileStatus>
    implements Namespaced {
  public static final String KIND = "SeccompProfile";
}
