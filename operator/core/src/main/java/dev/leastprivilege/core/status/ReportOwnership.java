package dev.leastprivilege.core.status;

import java.util.Collection;
import java.util.Optional;

/**
 * Which Node a NodeProfileStatus belongs to. A report is named after its node, so a node deleted
 * and then created again under the same name would find the old node's report, saying what the old
 * node had installed. The agent therefore makes its Node the report's owner (by UID, which a
 * re-created node does not share), and both the agent and the operator's clean-up judge a report by
 * that owner. Pure: the callers read the UIDs.
 */
public final class ReportOwnership {
  private ReportOwnership() {}

  /**
   * Whether the operator deletes a report: its node is gone, or the node of that name is another
   * one than the report's owner. A report without an owner (written by an earlier agent) is kept
   * while its node exists: the node's agent replaces it when it starts ({@link #agentReplaces}).
   *
   * @param ownerNodeUids the UIDs of the Nodes among the report's owner references
   * @param nodeUid the UID of the Node named like the report, empty when there is none
   */
  public static boolean stale(Collection<String> ownerNodeUids, Optional<String> nodeUid) {
    if (nodeUid.isEmpty()) {
      return true;
    }
    return !ownerNodeUids.isEmpty() && !ownerNodeUids.contains(nodeUid.get());
  }

  /**
   * Whether an agent starting on its node replaces the report it finds by a fresh one that its Node
   * owns: unless that Node already owns it (the agent restarted on the same node, and the report
   * carries on). A report without an owner, or owned by an earlier node of the same name, is
   * replaced: it says nothing true about this node. When the agent cannot read its Node ({@code
   * nodeUid} empty) it cannot judge, and keeps the report.
   */
  public static boolean agentReplaces(Collection<String> ownerNodeUids, Optional<String> nodeUid) {
    return nodeUid.isPresent() && !ownerNodeUids.contains(nodeUid.get());
  }
}
