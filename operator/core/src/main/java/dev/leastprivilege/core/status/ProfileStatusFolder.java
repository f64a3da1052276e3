package dev.leastprivilege.core.status;

import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.NodeCounts;
import dev.leastprivilege.api.v1alpha1.NodeFailure;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Folds the per-node reports for one profile into its status: phase, node counts, the first failing
 * nodes, and the Ready condition. Pure: the operator gathers the inputs, this decides, and one
 * writer patches the result.
 */
public final class ProfileStatusFolder {
  /**
   * How many lint warnings the status lists (each cut to {@link FieldError#MAX_LENGTH}); the last
   * entry counts the rest. {@code lpo lint} lists them all.
   */
  public static final int MAX_WARNINGS = 20;

  /** How many failing nodes the status names; the counts cover the rest. */
  public static final int MAX_FAILED_NODES = 5;

  private ProfileStatusFolder() {}

  /**
   * @param generation the profile's metadata.generation
   * @param errors validation errors of the current spec; empty when it is valid
   * @param publishedHash content hash of the file published to the nodes (the last good one), or
   *     null
   * @param desiredNodes nodes that should have the file
   * @param reports what each node says about this profile; nodes without an entry have not
   *     installed it
   * @param activeWorkloads pods that use the profile, namespace/name
   * @param deleting whether the profile is being deleted
   * @param previous the current status, for condition transition times
   * @param now RFC 3339 time stamp
   */
  public record Input(
      long generation,
      List<FieldError> errors,
      List<String> warnings,
      String localhostProfile,
      String publishedHash,
      Collection<String> desiredNodes,
      Map<String, NodeReport> reports,
      Collection<String> activeWorkloads,
      boolean deleting,
      SeccompProfileStatus previous,
      String now) {}

  /** The status lives in the spec's etcd object: its size must not grow with the spec. */
  static List<String> bounded(List<String> warnings) {
    List<String> out = new ArrayList<>();
    for (String w : warnings.stream().limit(MAX_WARNINGS).toList()) {
      out.add(
          w.length() <= FieldError.MAX_LENGTH ? w : w.substring(0, FieldError.MAX_LENGTH) + "…");
    }
    if (warnings.size() > MAX_WARNINGS) {
      out.add(
          "and " + (warnings.size() - MAX_WARNINGS) + " more warnings (lpo lint lists them all)");
    }
    return out;
  }

  /**
   * The status of a profile the operator could not reconcile ({@code reason} Rejected or
   * ReconcileError): phase Failed, Ready False with {@code message}; what the nodes have (the last
   * published file, its node counts) is kept from {@code previous}, since they keep that file.
   */
  public static SeccompProfileStatus failed(
      SeccompProfileStatus previous,
      long generation,
      String localhostProfile,
      ConditionReason reason,
      String message,
      String now) {
    SeccompProfileStatus s = new SeccompProfileStatus();
    if (previous != null) {
      s.setContentHash(previous.getContentHash());
      s.setNodes(previous.getNodes());
      s.setInstalledOn(previous.getInstalledOn());
      s.setFailedNodes(previous.getFailedNodes());
      s.setActiveWorkloads(previous.getActiveWorkloads());
      s.setNonCompliantPods(previous.getNonCompliantPods());
      s.setAuditFindings(previous.getAuditFindings());
    }
    s.setObservedGeneration(generation);
    s.setLocalhostProfile(localhostProfile);
    s.setPhase(ProfilePhase.Failed);
    s.setConditions(
        List.of(
            Conditions.ready(
                false,
                reason,
                message,
                generation,
                previous == null ? null : previous.getConditions(),
                now)));
    return s;
  }

  public static SeccompProfileStatus fold(Input in) {
    SeccompProfileStatus s = new SeccompProfileStatus();
    s.setObservedGeneration(in.generation());
    s.setLocalhostProfile(in.localhostProfile());
    s.setContentHash(in.publishedHash());
    s.setWarnings(bounded(in.warnings()));
    s.setActiveWorkloads(in.activeWorkloads().stream().sorted().toList());

    Set<String> desired = Set.copyOf(in.desiredNodes());
    int installed = 0;
    Map<String, String> failures = new TreeMap<>();
    for (String node : desired) {
      NodeReport r = in.reports().get(node);
      if (r == null || in.publishedHash() == null || !in.publishedHash().equals(r.contentHash())) {
        continue;
      }
      if (r.isFailure()) {
        failures.put(node, r.failure());
      } else {
        installed++;
      }
    }
    s.setNodes(new NodeCounts(desired.size(), installed, failures.size()));
    s.setInstalledOn(installed + "/" + desired.size());
    s.setFailedNodes(
        failures.entrySet().stream()
            .limit(MAX_FAILED_NODES)
            .map(e -> new NodeFailure(e.getKey(), e.getValue()))
            .toList());

    List<dev.leastprivilege.api.v1alpha1.Condition> previous =
        in.previous() == null ? null : in.previous().getConditions();
    ProfilePhase phase;
    boolean ready;
    ConditionReason reason;
    String message;
    if (in.deleting()) {
      phase = ProfilePhase.Terminating;
      ready = false;
      reason = in.activeWorkloads().isEmpty() ? ConditionReason.Deleting : ConditionReason.InUse;
      message =
          in.activeWorkloads().isEmpty()
              ? "removing the profile from the nodes"
              : "waiting for "
                  + in.activeWorkloads().size()
                  + " pods that use it: "
                  + String.join(", ", s.getActiveWorkloads().stream().limit(10).toList());
    } else if (!in.errors().isEmpty()) {
      phase = ProfilePhase.Failed;
      ready = false;
      reason = ConditionReason.InvalidSpec;
      message =
          FieldError.summary(in.errors())
              + (in.publishedHash() == null ? "" : "; the nodes keep the last valid version");
    } else if (desired.isEmpty()) {
      phase = ProfilePhase.Pending;
      ready = false;
      reason = ConditionReason.NoNodes;
      message = "no nodes to install the profile on yet";
    } else if (installed == desired.size()) {
      phase = ProfilePhase.Installed;
      ready = true;
      reason = ConditionReason.Installed;
      message = "installed on all " + desired.size() + " nodes";
    } else if (!failures.isEmpty() && installed + failures.size() == desired.size()) {
      phase = installed > 0 ? ProfilePhase.Partial : ProfilePhase.Failed;
      ready = false;
      reason = ConditionReason.InstallFailed;
      Map.Entry<String, String> first = failures.entrySet().iterator().next();
      message =
          "failed on "
              + failures.size()
              + " of "
              + desired.size()
              + " nodes; "
              + first.getKey()
              + ": "
              + first.getValue();
    } else {
      phase = ProfilePhase.Installing;
      ready = false;
      reason = ConditionReason.Installing;
      message =
          "installed on "
              + installed
              + " of "
              + desired.size()
              + " nodes"
              + (failures.isEmpty() ? "" : ", failed on " + failures.size());
    }
    s.setPhase(phase);
    s.setConditions(
        List.of(Conditions.ready(ready, reason, message, in.generation(), previous, in.now())));
    return s;
  }
}
