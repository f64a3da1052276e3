package dev.leastprivilege.core.status;

import dev.leastprivilege.core.ProfileRef;
import java.util.Map;
import java.util.Optional;

/**
 * What one node's agent says, in a size that does not grow with the number of profiles: every
 * change of the rendered profiles up to {@code appliedRevision} is on its disk, except the failures
 * it lists.
 *
 * <p>Why one number is enough: each change of a rendered-profile ConfigMap gets a revision from the
 * API server (its resourceVersion, etcd's revision), and the agent's watch delivers the changes in
 * revision order. The agent applies each change before its informer records the revision, and
 * reports a revision only after reading it, so a node that reports {@code r} has applied every
 * change up to {@code r} or listed it as failed. Failures are listed oldest first; an agent with
 * more failures than it may list reports a revision just below the first one it leaves out, so
 * nothing it does not list is hidden below its revision.
 *
 * @param node the node's name
 * @param appliedRevision the revision up to which every change is applied; 0 when unknown (an agent
 *     that has not reported in this shape yet)
 * @param failures the listed failures, by profile
 */
public record NodeProgress(String node, long appliedRevision, Map<ProfileRef, Failure> failures) {

  /**
   * A profile the node could not install or remove.
   *
   * @param contentHash the content it tried to install; null for a removal
   * @param message why
   */
  public record Failure(String contentHash, String message) {}

  public NodeProgress {
    failures = Map.copyOf(failures);
  }

  /**
   * What this node has of a profile's current publish (revision and content hash): installed,
   * failed, or, when it has not got that far yet, nothing.
   */
  public Optional<NodeReport> reportFor(ProfileRef ref, long revision, String contentHash) {
    Failure f = failures.get(ref);
    if (f != null && contentHash.equals(f.contentHash())) {
      return Optional.of(NodeReport.failed(node, contentHash, f.message()));
    }
    return appliedRevision >= revision && f == null
        ? Optional.of(NodeReport.installed(node, contentHash))
        : Optional.empty();
  }

  /**
   * Whether the node has removed a profile's file, given the revision of the tombstone that asked
   * for it.
   */
  public boolean confirmsRemoval(ProfileRef ref, long tombstoneRevision) {
    return appliedRevision >= tombstoneRevision && !failures.containsKey(ref);
  }
}
