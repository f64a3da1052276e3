package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.InstalledProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.status.NodeReport;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Per-profile lookups into the per-node reports. Each NodeProfileStatus lists every profile its
 * node has; this keeps, per node, a map from profile to report, rebuilt only when that node's
 * object changes (by resourceVersion), so folding one profile's status costs one lookup per node.
 */
final class NodeReportIndex {
  private record Entry(String resourceVersion, Map<ProfileRef, NodeReport> reports) {}

  private final Map<String, Entry> byNode = new ConcurrentHashMap<>();

  /**
   * What the event mapper last saw per node; apart from the lookup cache, which reconciles may
   * update first.
   */
  private final Map<String, Map<ProfileRef, NodeReport>> seenByEvents = new ConcurrentHashMap<>();

  /** This profile's report from every node that has one. */
  Map<String, NodeReport> reportsFor(ProfileRef ref, Stream<NodeProfileStatus> nodeStatuses) {
    Map<String, NodeReport> out = new HashMap<>();
    nodeStatuses.forEach(
        nps -> {
          NodeReport r = entryFor(nps).reports().get(ref);
          if (r != null) {
            out.put(r.node(), r);
          }
        });
    return out;
  }

  private Entry entryFor(NodeProfileStatus nps) {
    String node = nps.getMetadata().getName();
    String rv = nps.getMetadata().getResourceVersion();
    Entry e = byNode.get(node);
    if (e == null || !e.resourceVersion().equals(rv)) {
      Map<ProfileRef, NodeReport> reports = new HashMap<>();
      if (nps.getStatus() != null) {
        for (InstalledProfile p : nps.getStatus().getInstalled()) {
          reports.put(
              new ProfileRef(p.getNamespace(), p.getName()),
              NodeReport.installed(node, p.getContentHash()));
        }
        for (InstalledProfile p : nps.getStatus().getFailed()) {
          reports.put(
              new ProfileRef(p.getNamespace(), p.getName()),
              NodeReport.failed(node, p.getContentHash(), p.getMessage()));
        }
      }
      e = new Entry(rv, reports);
      byNode.put(node, e);
    }
    return e;
  }

  /**
   * Records a node's new report and returns the profiles whose entry changed (added, removed, new
   * hash or failure). An agent's status lists every profile it has; waking only the changed ones
   * keeps a thousand-profile node from waking a thousand reconciles on every write.
   */
  Set<ProfileRef> changedBy(NodeProfileStatus nps) {
    Map<ProfileRef, NodeReport> now = entryFor(nps).reports();
    Map<ProfileRef, NodeReport> previous = seenByEvents.put(nps.getMetadata().getName(), now);
    Map<ProfileRef, NodeReport> old = previous == null ? Map.of() : previous;
    Set<ProfileRef> changed = new HashSet<>();
    now.forEach(
        (ref, report) -> {
          if (!report.equals(old.get(ref))) {
            changed.add(ref);
          }
        });
    for (ProfileRef ref : old.keySet()) {
      if (!now.containsKey(ref)) {
        changed.add(ref);
      }
    }
    return changed;
  }

  /** Whether any node still reports the profile installed (its file is still on that node). */
  boolean installedAnywhere(ProfileRef ref, Stream<NodeProfileStatus> nodeStatuses) {
    return reportsFor(ref, nodeStatuses).values().stream().anyMatch(r -> !r.isFailure());
  }
}
