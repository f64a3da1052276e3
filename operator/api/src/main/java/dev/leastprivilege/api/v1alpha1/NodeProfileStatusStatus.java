package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * What one node's agent has installed, by content hash, and what it could not install. Lists are
 * always sent, so a merge patch can empty them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeProfileStatusStatus {
  private List<InstalledProfile> installed = new ArrayList<>();
  private List<InstalledProfile> failed = new ArrayList<>();
  private String lastSyncTime;

  public List<InstalledProfile> getInstalled() {
    return installed;
  }

  public void setInstalled(List<InstalledProfile> installed) {
    this.installed = installed;
  }

  public List<InstalledProfile> getFailed() {
    return failed;
  }

  public void setFailed(List<InstalledProfile> failed) {
    this.failed = failed;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }
}
