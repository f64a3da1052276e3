package dev.leastprivilege.controller.seccomp;

import java.time.Duration;
import java.time.Instant;

/**
 * The deletion policy of a SeccompProfile. Its file must stay on the nodes while pods use it: a
 * container of such a pod that restarts (a crash, a liveness probe) would find no file and fail
 * with CreateContainerError. So the finalizer goes in three stages:
 *
 * <ol>
 *   <li>{@link Stage#WAIT_FOR_PODS}: while pods use it, nothing is removed; the profile stays
 *       Terminating with reason InUse, and an InUse Event names the pods;
 *   <li>{@link Stage#WAIT_FOR_NODES}: once they are gone, its ConfigMap is removed and the agents
 *       delete the file and say so in their reports;
 *   <li>{@link Stage#REMOVE}: the finalizer goes when no node reports the file any more, or after
 *       {@link #REMOVAL_GRACE} anyway ({@link #gaveUpOnNodes}): a node whose agent is down must not
 *       hold the deletion forever, and that agent removes the orphaned file when it next starts.
 * </ol>
 *
 * Pure: the reconciler gathers the inputs and acts.
 */
final class ProfileDeletion {
  /**
   * How often a profile in use checks its pods again. A pod that goes or finishes wakes the profile
   * at once (the pod informer maps it to the profiles it uses), so this is only a safety net and
   * can be slow.
   */
  static final Duration IN_USE_RECHECK = Duration.ofSeconds(30);

  /**
   * How often a profile waiting for the nodes checks again. Node reports wake it too, but nothing
   * else tells it that {@link #REMOVAL_GRACE} ran out, so this is short next to the grace.
   */
  static final Duration REMOVAL_RECHECK = Duration.ofSeconds(2);

  /**
   * How long the nodes get to confirm they removed the file. Agents that run remove it within
   * seconds; a minute leaves room for a busy or restarting agent without holding a deletion hostage
   * to a dead node.
   */
  static final Duration REMOVAL_GRACE = Duration.ofSeconds(60);

  enum Stage {
    WAIT_FOR_PODS,
    WAIT_FOR_NODES,
    REMOVE
  }

  private ProfileDeletion() {}

  /**
   * @param inUse whether running pods use the profile
   * @param stillOnNodes whether some node still reports its file
   * @param deletedAt the profile's deletionTimestamp
   */
  static Stage stage(boolean inUse, boolean stillOnNodes, Instant deletedAt, Instant now) {
    if (inUse) {
      return Stage.WAIT_FOR_PODS;
    }
    return stillOnNodes && now.isBefore(deletedAt.plus(REMOVAL_GRACE))
        ? Stage.WAIT_FOR_NODES
        : Stage.REMOVE;
  }

  /**
   * Whether the finalizer goes without every node's confirmation, because {@link #REMOVAL_GRACE}
   * ran out.
   */
  static boolean gaveUpOnNodes(Stage stage, boolean stillOnNodes) {
    return stage == Stage.REMOVE && stillOnNodes;
  }
}
