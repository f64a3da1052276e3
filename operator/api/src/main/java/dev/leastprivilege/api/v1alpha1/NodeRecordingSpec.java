package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Which node the report is about. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeRecordingSpec {
  private String nodeName;

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }
}
