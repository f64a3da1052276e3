package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Written only by the operator. Lists are always sent, so a merge patch can empty them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CapabilityPolicyStatus {
  public static final int MAX_AUDIT_FINDINGS = 50;

  @JsonPropertyDescription(
      "In Audit mode, with the recorder on: capabilities selected containers used beyond what this policy keeps, most recent first (at most 50).")
  @Size(max = MAX_AUDIT_FINDINGS)
  private List<AuditFinding> auditFindings = new ArrayList<>();

  private Long observedGeneration;
  private List<Condition> conditions = new ArrayList<>();
  private Integer matchedPods;
  private Integer nonCompliantPods;
  private List<CapabilityViolation> recentViolations = new ArrayList<>();
  private List<String> warnings = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Integer getMatchedPods() {
    return matchedPods;
  }

  public void setMatchedPods(Integer matchedPods) {
    this.matchedPods = matchedPods;
  }

  public Integer getNonCompliantPods() {
    return nonCompliantPods;
  }

  public void setNonCompliantPods(Integer nonCompliantPods) {
    this.nonCompliantPods = nonCompliantPods;
  }

  public List<CapabilityViolation> getRecentViolations() {
    return recentViolations;
  }

  public void setRecentViolations(List<CapabilityViolation> recentViolations) {
    this.recentViolations = recentViolations;
  }

  public List<String> getWarnings() {
    return warnings;
  }

  public void setWarnings(List<String> warnings) {
    this.warnings = warnings;
  }

  public List<AuditFinding> getAuditFindings() {
    return auditFindings;
  }

  public void setAuditFindings(List<AuditFinding> auditFindings) {
    this.auditFindings = auditFindings;
  }
}
