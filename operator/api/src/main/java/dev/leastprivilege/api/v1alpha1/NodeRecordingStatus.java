package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * What one node's recorder saw, bounded: the pods of active recordings on this node, and the most
 * recent Audit findings. Written only by that node's recorder.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeRecordingStatus {
  public static final int MAX_PODS = 64;
  public static final int MAX_AUDIT_FINDINGS = 200;

  @JsonPropertyDescription(
      "Where the recorder reads seccomp records: kmsg, audit-log, or Unavailable with the reason.")
  private String seccompSource;

  @JsonPropertyDescription(
      "tracefs when the kernel has the capability:cap_capable trace event; otherwise Unavailable with the reason.")
  private String capabilitySource;

  @JsonPropertyDescription(
      "Records the kernel dropped since the recorder started (printk rate limit, audit backlog, overwritten log buffer).")
  private Long lostRecords;

  @JsonPropertyDescription(
      "Records whose process was gone before the recorder could name its container.")
  private Long unattributedRecords;

  @JsonPropertyDescription("Pods of active recordings on this node.")
  @Size(max = NodeRecordingStatus.MAX_PODS)
  private List<NodeRecordedPod> pods = new ArrayList<>();

  @JsonPropertyDescription(
      "What Audit SeccompProfiles would have refused, and what containers under an Audit CapabilityPolicy used beyond what it keeps; most recent first.")
  @Size(max = NodeRecordingStatus.MAX_AUDIT_FINDINGS)
  private List<NodeAuditFinding> auditFindings = new ArrayList<>();

  @JsonPropertyDescription("Findings left out of the list because it was full.")
  private Long droppedAuditFindings;

  private String lastReportTime;

  public String getSeccompSource() {
    return seccompSource;
  }

  public void setSeccompSource(String seccompSource) {
    this.seccompSource = seccompSource;
  }

  public String getCapabilitySource() {
    return capabilitySource;
  }

  public void setCapabilitySource(String capabilitySource) {
    this.capabilitySource = capabilitySource;
  }

  public Long getLostRecords() {
    return lostRecords;
  }

  public void setLostRecords(Long lostRecords) {
    this.lostRecords = lostRecords;
  }

  public Long getUnattributedRecords() {
    return unattributedRecords;
  }

  public void setUnattributedRecords(Long unattributedRecords) {
    this.unattributedRecords = unattributedRecords;
  }

  public List<NodeRecordedPod> getPods() {
    return pods;
  }

  public void setPods(List<NodeRecordedPod> pods) {
    this.pods = pods;
  }

  public List<NodeAuditFinding> getAuditFindings() {
    return auditFindings;
  }

  public void setAuditFindings(List<NodeAuditFinding> auditFindings) {
    this.auditFindings = auditFindings;
  }

  public Long getDroppedAuditFindings() {
    return droppedAuditFindings;
  }

  public void setDroppedAuditFindings(Long droppedAuditFindings) {
    this.droppedAuditFindings = droppedAuditFindings;
  }

  public String getLastReportTime() {
    return lastReportTime;
  }

  public void setLastReportTime(String lastReportTime) {
    this.lastReportTime = lastReportTime;
  }
}
