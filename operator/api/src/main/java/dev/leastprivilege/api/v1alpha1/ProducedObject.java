package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An object a recording wrote. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProducedObject {
  @JsonPropertyDescription("SeccompProfile or CapabilityPolicy.")
  private String kind;

  private String name;

  private String containerName;

  public String getKind() {
    return kind;
  }

  public void setKind(String kind) {
    this.kind = kind;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getContainerName() {
    return containerName;
  }

  public void setContainerName(String containerName) {
    this.containerName = containerName;
  }
}
