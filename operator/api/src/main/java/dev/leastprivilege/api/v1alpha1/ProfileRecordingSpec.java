package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/**
 * What to record from which pods, and from what base. A recording never replaces an Enforce
 * SeccompProfile or CapabilityPolicy that selects a pod.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({
  "podSelector",
  "containerNames",
  "record",
  "baseProfileName",
  "resultDefaultAction",
  "stop"
})
public class ProfileRecordingSpec {
  @JsonPropertyDescription(
      "Pods of this namespace to record. Required: a recording never selects a whole namespace by default.")
  @Required
  private PodSelector podSelector;

  @JsonPropertyDescription("Only these containers of a selected pod; empty means all of them.")
  private List<@Pattern(ApiNames.DNS_LABEL) String> containerNames = new ArrayList<>();

  @JsonPropertyDescription(
      "What to record: Seccomp (system calls), Capabilities, or both (the default, when empty).")
  private List<RecordingKind> record = new ArrayList<>();

  @JsonPropertyDescription(
      "A SeccompProfile of the same namespace, or builtin:<name>: what it allows is allowed while recording, not recorded, and kept in the produced profile. Default builtin:runtime-baseline.")
  @Pattern(ApiNames.BASE_PROFILE_NAME)
  private String baseProfileName;

  @JsonPropertyDescription(
      "defaultAction of the produced SeccompProfiles (default SCMP_ACT_ERRNO).")
  private SeccompAction resultDefaultAction;

  @JsonPropertyDescription(
      "Set to true to end the recording: the operator then writes the produced SeccompProfiles and CapabilityPolicies. A recording also ends when every pod it recorded is gone.")
  private Boolean stop;

  public PodSelector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(PodSelector podSelector) {
    this.podSelector = podSelector;
  }

  public List<@Pattern(ApiNames.DNS_LABEL) String> getContainerNames() {
    return containerNames;
  }

  public void setContainerNames(List<@Pattern(ApiNames.DNS_LABEL) String> containerNames) {
    this.containerNames = containerNames;
  }

  public List<RecordingKind> getRecord() {
    return record;
  }

  public void setRecord(List<RecordingKind> record) {
    this.record = record;
  }

  public String getBaseProfileName() {
    return baseProfileName;
  }

  public void setBaseProfileName(String baseProfileName) {
    this.baseProfileName = baseProfileName;
  }

  public SeccompAction getResultDefaultAction() {
    return resultDefaultAction;
  }

  public void setResultDefaultAction(SeccompAction resultDefaultAction) {
    this.resultDefaultAction = resultDefaultAction;
  }

  public Boolean getStop() {
    return stop;
  }

  public void setStop(Boolean stop) {
    this.stop = stop;
  }
}
