package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A container that asked for a capability its policy does not allow. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CapabilityViolation {
  private String pod;
  private String container;
  private String capability;
  private String time;

  public CapabilityViolation() {}

  public CapabilityViolation(String pod, String container, String capability, String time) {
    this.pod = pod;
    this.container = container;
    this.capability = capability;
    this.time = time;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getContainer() {
    return container;
  }

  public void setContainer(String container) {
    this.container = container;
  }

  public String getCapability() {
    return capability;
  }

  public void setCapability(String capability) {
    this.capability = capability;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }
}
