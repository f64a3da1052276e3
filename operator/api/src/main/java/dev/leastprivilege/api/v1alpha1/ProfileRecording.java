package dev.leastprivilege.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Records what the selected pods do and, when it ends, produces one SeccompProfile and one
 * CapabilityPolicy per container name that select no pod until the user says so.
 */
@Group(ApiNames.GROUP)
@Version(ApiNames.VERSION)
@ShortNames("lprec")
@Categories("leastprivilege")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Pods",
    jsonPath = ".status.recordedPods",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Lost",
    jsonPath = ".status.lostRecords",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ProfileRecording extends CustomResource<ProfileRecordingSpec, ProfileRecordingStatus>
    implements Namespaced {
  public static final String KIND = "ProfileRecording";

  /** Recording names are DNS labels, so that a produced object's name fits. */
  public static final int MAX_NAME_LENGTH = ApiNames.MAX_LABEL_LENGTH;

  /**
   * The SeccompProfile the operator makes for a recording (owned by it, Audit mode, no selector):
   * the webhook points recorded pods at its file. A dot, not a dash: recording and container names
   * are DNS labels (no dot), so no {@link #resultName} can ever be this name (a container named
   * "recording" would otherwise get its result written onto the recording profile).
   */
  public static String recordingProfileName(String recording) {
    return recording + ".recording";
  }

  /** The name of a produced SeccompProfile or CapabilityPolicy. */
  public static String resultName(String recording, String containerName) {
    return recording + "-" + containerName;
  }
}
