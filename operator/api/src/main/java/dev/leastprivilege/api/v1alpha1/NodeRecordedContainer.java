package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What one container of a recorded pod did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeRecordedContainer {
  private String name;

  @JsonPropertyDescription("Syscalls beyond the base, logged by the recording profile.")
  private List<String> syscalls = new ArrayList<>();

  @JsonPropertyDescription(
      "Capabilities the container's processes were granted or refused in checks that mean a need.")
  private List<String> capabilities = new ArrayList<>();

  private Long records;

  @JsonPropertyDescription("A privileged container runs unconfined: it cannot be recorded.")
  private Boolean privileged;

  @JsonPropertyDescription(
      "The container ran the recording's profile, so its system calls were recorded (a container an Enforce profile selects has only its capability checks recorded).")
  private Boolean syscallsRecorded;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<String> getSyscalls() {
    return syscalls;
  }

  public void setSyscalls(List<String> syscalls) {
    this.syscalls = syscalls;
  }

  public List<String> getCapabilities() {
    return capabilities;
  }

  public void setCapabilities(List<String> capabilities) {
    this.capabilities = capabilities;
  }

  public Long getRecords() {
    return records;
  }

  public void setRecords(Long records) {
    this.records = records;
  }

  public Boolean getPrivileged() {
    return privileged;
  }

  public void setPrivileged(Boolean privileged) {
    this.privileged = privileged;
  }

  public Boolean getSyscallsRecorded() {
    return syscallsRecorded;
  }

  public void setSyscallsRecorded(Boolean syscallsRecorded) {
    this.syscallsRecorded = syscallsRecorded;
  }
}
