package dev.leastprivilege.api.v1alpha1;

import java.util.Objects;

/** A node that failed to install a profile, and why. */
public class NodeFailure {
  private String node;
  private String message;

  public NodeFailure() {}

  public NodeFailure(String node, String message) {
    this.node = node;
    this.message = message;
  }

  public String getNode() {
    return node;
  }

  public void setNode(String node) {
    this.node = node;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeFailure f
        && Objects.equals(node, f.node)
        && Objects.equals(message, f.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(node, message);
  }
}
