package dev.leastprivilege.api.v1alpha1;

import java.util.Objects;

/** How many nodes should have a profile, have it, and failed to install it. */
public class NodeCounts {
  private int desired;
  private int installed;
  private int failed;

  public NodeCounts() {}

  public NodeCounts(int desired, int installed, int failed) {
    this.desired = desired;
    this.installed = installed;
    this.failed = failed;
  }

  public int getDesired() {
    return desired;
  }

  public void setDesired(int desired) {
    this.desired = desired;
  }

  public int getInstalled() {
    return installed;
  }

  public void setInstalled(int installed) {
    this.installed = installed;
  }

  public int getFailed() {
    return failed;
  }

  public void setFailed(int failed) {
    this.failed = failed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeCounts n
        && desired == n.desired
        && installed == n.installed
        && failed == n.failed;
  }

  @Override
  public int hashCode() {
    return Objects.hash(desired, installed, failed);
  }
}
