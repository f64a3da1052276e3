package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A call an Audit profile would have refused, or a capability an Audit policy would not keep, in
 * one container.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditFinding {
  private String pod;

  private String container;

  private String syscall;

  private String capability;

  @JsonPropertyDescription("How many times, over every node.")
  private Long count;

  private String lastSeen;

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

  public String getSyscall() {
    return syscall;
  }

  public void setSyscall(String syscall) {
    this.syscall = syscall;
  }

  public String getCapability() {
    return capability;
  }

  public void setCapability(String capability) {
    this.capability = capability;
  }

  public Long getCount() {
    return count;
  }

  public void setCount(Long count) {
    this.count = count;
  }

  public String getLastSeen() {
    return lastSeen;
  }

  public void setLastSeen(String lastSeen) {
    this.lastSeen = lastSeen;
  }
}
