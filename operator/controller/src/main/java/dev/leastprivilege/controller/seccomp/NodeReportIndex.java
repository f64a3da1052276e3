package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.status.NodeProgress;
import dev.leastprivilege.core.status.NodeReport;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The nodes' reports, read as core's {@link NodeProgress}: each is parsed once per resourceVersion.
 * Folding one profile's status costs one lookup per node, and a node's new report wakes only the
 * profiles whose state on that node it changes.
 */
public final class NodeReportIndex {
  private record Entry(String resourceVersion, NodeProgress progress) {}

  private final PublishedRevisions published;
  private final Map<String, Entry> byNode = new ConcurrentHashMap<>();

  /**
   * What the event mapper last saw per node; apart from the lookup cache, which reconciles may
   * update first.
   */
  private final Map<String, NodeProgress> seenByEvents = new ConcurrentHashMap<>();

  NodeReportIndex(PublishedRevisions published) {
    this.published = published;
  }

  /** What every node has of one publish of a profile: installed, failed, or not yet (absent). */
  Map<String, NodeReport> reportsFor(
      ProfileRef ref,
      RenderedProfilePublisher.Publication publication,
      Stream<NodeProfileStatus> reports) {
    Map<String, NodeReport> out = new HashMap<>();
    reports.forEach(
        nps ->
            progressOf(nps)
                .reportFor(ref, publication.revision(), publication.contentHash())
                .ifPresent(r -> out.put(r.node(), r)));
    return out;
  }

  /**
   * The nodes (among those that count, {@link AgentNodes}) that have not confirmed removing a
   * profile's file since its tombstone: a deleted node, or one without an agent, never holds a
   * deletion.
   */
  Set<String> notConfirmingRemoval(
      ProfileRef ref,
      long tombstoneRevision,
      Stream<NodeProfileStatus> reports,
      Set<String> nodes) {
    Set<String> out = new HashSet<>();
    reports.forEach(
        nps -> {
          NodeProgress p = progressOf(nps);
          if (nodes.contains(p.node()) && !p.confirmsRemoval(ref, tombstoneRevision)) {
            out.add(p.node());
          }
        });
    return out;
  }

  private NodeProgress progressOf(NodeProfileStatus nps) {
    String node = nps.getMetadata().getName();
    String rv = nps.getMetadata().getResourceVersion();
    Entry e = byNode.get(node);
    if (e == null || !e.resourceVersion().equals(rv)) {
      e = new Entry(rv, parse(node, nps));
      byNode.put(node, e);
    }
    return e.progress();
  }

  /**
   * A report in the shape of earlier agents (a list of every profile, no revision) reads as
   * "nothing applied yet": the upgraded agent rewrites it when it starts.
   */
  public static NodeProgress parse(String node, NodeProfileStatus nps) {
    var status = nps.getStatus();
    if (status == null) {
      return new NodeProgress(node, 0, Map.of());
    }
    long applied = RenderedProfileConfigMap.parseRevision(status.getAppliedRevision()).orElse(0);
    Map<ProfileRef, NodeProgress.Failure> failures = new HashMap<>();
    if (status.getFailed() != null) {
      for (FailedProfile f : status.getFailed()) {
        failures.put(
            new ProfileRef(f.getNamespace(), f.getName()),
            new NodeProgress.Failure(f.getContentHash(), f.getMessage()));
      }
    }
    return new NodeProgress(node, applied, failures);
  }

  /**
   * Forgets a node whose report was deleted (its node went, or its agent replaced it) and returns
   * the profiles its report said something about: those it had applied, and its failures.
   */
  Set<ProfileRef> removed(String node) {
    byNode.remove(node);
    NodeProgress old = seenByEvents.remove(node);
    if (old == null) {
      return Set.of();
    }
    Set<ProfileRef> changed = new HashSet<>(published.between(0, old.appliedRevision()));
    changed.addAll(old.failures().keySet());
    return changed;
  }

  /**
   * Records a node's new report and returns the profiles whose state on that node it may change:
   * those published between its old and new revision, and those whose failure appeared, changed or
   * went. A thousand-profile node thus wakes only what moved.
   */
  Set<ProfileRef> changedBy(NodeProfileStatus nps) {
    NodeProgress now = progressOf(nps);
    NodeProgress old = seenByEvents.put(now.node(), now);
    long before = old == null ? 0 : old.appliedRevision();
    Set<ProfileRef> changed =
        new HashSet<>(
            published.between(
                Math.min(before, now.appliedRevision()), Math.max(before, now.appliedRevision())));
    Map<ProfileRef, NodeProgress.Failure> oldFailures = old == null ? Map.of() : old.failures();
    now.failures()
        .forEach(
            (ref, f) -> {
              if (!f.equals(oldFailures.get(ref))) {
                changed.add(ref);
              }
            });
    for (ProfileRef ref : oldFailures.keySet()) {
      if (!now.failures().containsKey(ref)) {
        changed.add(ref);
      }
    }
    return changed;
  }
}
