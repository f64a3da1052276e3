package dev.leastprivilege.api.v1alpha1;

/** Identifies the node an agent reports for. */
public class NodeProfileStatusSpec {
  private String nodeName;

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }
}
