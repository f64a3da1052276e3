package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Written only by the operator. Lists are always sent, so a merge patch can empty them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeccompProfileStatus {
  public static final int MAX_AUDIT_FINDINGS = 50;

  @JsonPropertyDescription(
      "In Audit mode, with the recorder on: what this profile would have refused, with the pod and container, most recent first (at most 50).")
  @Size(max = MAX_AUDIT_FINDINGS)
  private List<AuditFinding> auditFindings = new ArrayList<>();

  private Long observedGeneration;
  private ProfilePhase phase;
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Value for a pod's securityContext.seccompProfile.localhostProfile.")
  private String localhostProfile;

  @JsonPropertyDescription("sha256 of the rendered file, as every node reports it.")
  private String contentHash;

  private NodeCounts nodes;

  @JsonPropertyDescription("installed/desired nodes, for kubectl get.")
  private String installedOn;

  @JsonPropertyDescription("The first few nodes that failed, with their messages.")
  private List<NodeFailure> failedNodes = new ArrayList<>();

  @JsonPropertyDescription("Lint findings: allowed, but worth a second look.")
  private List<String> warnings = new ArrayList<>();

  @JsonPropertyDescription("Pods that use this profile (namespace/name).")
  private List<String> activeWorkloads = new ArrayList<>();

  @JsonPropertyDescription(
      "Running pods the profile selects that run without it (created before it, or while the"
          + " webhook was down).")
  private Integer nonCompliantPods;

  public Integer getNonCompliantPods() {
    return nonCompliantPods;
  }

  public void setNonCompliantPods(Integer nonCompliantPods) {
    this.nonCompliantPods = nonCompliantPods;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public ProfilePhase getPhase() {
    return phase;
  }

  public void setPhase(ProfilePhase phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public String getLocalhostProfile() {
    return localhostProfile;
  }

  public void setLocalhostProfile(String localhostProfile) {
    this.localhostProfile = localhostProfile;
  }

  public String getContentHash() {
    return contentHash;
  }

  public void setContentHash(String contentHash) {
    this.contentHash = contentHash;
  }

  public NodeCounts getNodes() {
    return nodes;
  }

  public void setNodes(NodeCounts nodes) {
    this.nodes = nodes;
  }

  public String getInstalledOn() {
    return installedOn;
  }

  public void setInstalledOn(String installedOn) {
    this.installedOn = installedOn;
  }

  public List<NodeFailure> getFailedNodes() {
    return failedNodes;
  }

  public void setFailedNodes(List<NodeFailure> failedNodes) {
    this.failedNodes = failedNodes;
  }

  public List<String> getWarnings() {
    return warnings;
  }

  public void setWarnings(List<String> warnings) {
    this.warnings = warnings;
  }

  public List<String> getActiveWorkloads() {
    return activeWorkloads;
  }

  public void setActiveWorkloads(List<String> activeWorkloads) {
    this.activeWorkloads = activeWorkloads;
  }

  public List<AuditFinding> getAuditFindings() {
    return auditFindings;
  }

  public void setAuditFindings(List<AuditFinding> auditFindings) {
    this.auditFindings = auditFindings;
  }
}
