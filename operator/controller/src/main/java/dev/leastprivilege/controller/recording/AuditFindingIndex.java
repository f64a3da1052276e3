package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Audit findings of one kind (SeccompProfile or CapabilityPolicy) in every node's report,
 * indexed by the object they name. A node's new report wakes only the objects whose findings on
 * that node changed, and folding one object's findings reads only its own entries: a report change
 * costs what it names, not the fleet's profiles.
 */
public final class AuditFindingIndex {
  /** What identifies a finding's content, for the "did it change" comparison. */
  private record Seen(
      String pod,
      String container,
      String syscall,
      String capability,
      Long count,
      String lastSeen) {
    static Seen of(NodeAuditFinding f) {
      return new Seen(
          f.getPod(),
          f.getContainer(),
          f.getSyscall(),
          f.getCapability(),
          f.getCount(),
          f.getLastSeen());
    }
  }

  private record Entry(List<NodeAuditFinding> findings, List<Seen> seen) {}

  private final String kind;
  private final Map<String, Map<ResourceID, Entry>> byNode = new ConcurrentHashMap<>();

  public AuditFindingIndex(String kind) {
    this.kind = kind;
  }

  public String kind() {
    return kind;
  }

  /** Records a node's new report; returns the objects whose findings on that node changed. */
  public Set<ResourceID> update(NodeRecording report) {
    String node = report.getMetadata().getName();
    Map<ResourceID, List<NodeAuditFinding>> grouped = new HashMap<>();
    if (report.getStatus() != null && report.getStatus().getAuditFindings() != null) {
      for (NodeAuditFinding f : report.getStatus().getAuditFindings()) {
        if (kind.equals(f.getKind()) && f.getName() != null && f.getNamespace() != null) {
          grouped
              .computeIfAbsent(
                  new ResourceID(f.getName(), f.getNamespace()), k -> new ArrayList<>())
              .add(f);
        }
      }
    }
    Map<ResourceID, Entry> now = new HashMap<>();
    grouped.forEach(
        (id, list) ->
            now.put(id, new Entry(List.copyOf(list), list.stream().map(Seen::of).toList())));
    Map<ResourceID, Entry> before = byNode.put(node, Map.copyOf(now));
    return changed(before == null ? Map.of() : before, now);
  }

  /** Forgets a node whose report was deleted; returns the objects it had findings for. */
  public Set<ResourceID> remove(String node) {
    Map<ResourceID, Entry> before = byNode.remove(node);
    return before == null ? Set.of() : Set.copyOf(before.keySet());
  }

  /** The findings every node reported for one object. */
  public List<NodeAuditFinding> findingsFor(ResourceID id) {
    List<NodeAuditFinding> out = new ArrayList<>();
    for (Map<ResourceID, Entry> node : byNode.values()) {
      Entry e = node.get(id);
      if (e != null) {
        out.addAll(e.findings());
      }
    }
    return out;
  }

  private static Set<ResourceID> changed(
      Map<ResourceID, Entry> before, Map<ResourceID, Entry> now) {
    Set<ResourceID> out = new HashSet<>();
    Set<ResourceID> all = new HashSet<>(before.keySet());
    all.addAll(now.keySet());
    for (ResourceID id : all) {
      Entry b = before.get(id);
      Entry n = now.get(id);
      if (!Objects.equals(b == null ? null : b.seen(), n == null ? null : n.seen())) {
        out.add(id);
      }
    }
    return out;
  }
}
