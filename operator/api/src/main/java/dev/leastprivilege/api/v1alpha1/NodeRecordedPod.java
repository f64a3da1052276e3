package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** One recorded pod on the node: its recording, and what each container did. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeRecordedPod {
  @JsonPropertyDescription("The ProfileRecording's name (the pod's namespace).")
  private String recording;

  private String namespace;

  private String pod;

  private String uid;

  private List<NodeRecordedContainer> containers = new ArrayList<>();

  @JsonPropertyDescription(
      "Records the node lost while this pod was recorded (the kernel does not say whose they were).")
  private Long lostRecords;

  @JsonPropertyDescription(
      "Records whose process was gone before the recorder could name its container, while this pod was recorded.")
  private Long unattributedRecords;

  public String getRecording() {
    return recording;
  }

  public void setRecording(String recording) {
    this.recording = recording;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getUid() {
    return uid;
  }

  public void setUid(String uid) {
    this.uid = uid;
  }

  public List<NodeRecordedContainer> getContainers() {
    return containers;
  }

  public void setContainers(List<NodeRecordedContainer> containers) {
    this.containers = containers;
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
}
