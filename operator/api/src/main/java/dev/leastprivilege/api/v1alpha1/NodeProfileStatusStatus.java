package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * How far one node's agent has got, in a size that does not grow with the number of profiles: every
 * rendered-profile publish up to {@code appliedRevision} is on the node's disk, except the ones it
 * lists as failed. The list is always sent, so a merge patch can empty it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeProfileStatusStatus {
  /** At most this many failures are listed; {@code failedCount} counts them all. */
  public static final int MAX_LISTED_FAILURES = 16;

  /**
   * A failure's message is cut to this many bytes (UTF-8), so that the whole object stays under 12
   * KiB: 16 failures of the longest names Kubernetes allows, and a hash.
   */
  public static final int MAX_MESSAGE_BYTES = 256;

  private String appliedRevision;
  private Integer profiles;

  @Size(max = MAX_LISTED_FAILURES)
  private List<FailedProfile> failed = new ArrayList<>();

  private Integer failedCount;
  private String lastSyncTime;

  /**
   * The resourceVersion of the rendered-profile ConfigMaps up to which this node has applied every
   * change (writes and removals), failures excepted. The API server's watch delivers those changes
   * in this order, which is why one number can stand for all of them.
   */
  public String getAppliedRevision() {
    return appliedRevision;
  }

  public void setAppliedRevision(String appliedRevision) {
    this.appliedRevision = appliedRevision;
  }

  /** How many profile files the node has. */
  public Integer getProfiles() {
    return profiles;
  }

  public void setProfiles(Integer profiles) {
    this.profiles = profiles;
  }

  /**
   * The profiles the node could not install or remove, oldest change first, at most {@link
   * #MAX_LISTED_FAILURES}.
   */
  public List<FailedProfile> getFailed() {
    return failed;
  }

  public void setFailed(List<FailedProfile> failed) {
    this.failed = failed;
  }

  /** How many profiles failed on the node, listed or not. */
  public Integer getFailedCount() {
    return failedCount;
  }

  public void setFailedCount(Integer failedCount) {
    this.failedCount = failedCount;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }
}
