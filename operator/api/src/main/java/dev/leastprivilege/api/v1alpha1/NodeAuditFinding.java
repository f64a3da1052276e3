package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One finding on one node, and the Audit SeccompProfile or CapabilityPolicy it is for. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeAuditFinding extends AuditFinding {
  @JsonPropertyDescription("SeccompProfile or CapabilityPolicy.")
  private String kind;

  private String namespace;

  @JsonPropertyDescription("The profile's or policy's name.")
  private String name;

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
}
