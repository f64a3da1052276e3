package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One finding of an Audit SeccompProfile or CapabilityPolicy on one node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeAuditFinding {
  @JsonPropertyDescription("SeccompProfile or CapabilityPolicy.")
  private String kind;

  private String namespace;

  @JsonPropertyDescription("The profile's or policy's name.")
  private String name;

  private String pod;

  private String container;

  private String syscall;

  private String capability;

  private Long count;

  private String lastSeen;

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
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
