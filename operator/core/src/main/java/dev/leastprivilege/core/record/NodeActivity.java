package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecordedPod;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.caps.Capability;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one node's recorder has seen since it started, bounded, folded into the status of its
 * NodeRecording: per recorded pod and container the syscalls and capabilities, and the Audit
 * findings, most recent first. Not thread-safe: the recorder feeds it from one thread.
 *
 * <p>Bounds: at most {@link NodeRecordingStatus#MAX_PODS} pods (a pod that is gone makes room
 * first, then the one idle longest) and {@link NodeRecordingStatus#MAX_AUDIT_FINDINGS} findings
 * (the least recently seen is dropped and counted in droppedAuditFindings).
 */
public final class NodeActivity {
  /** One container of a pod on this node. */
  public record ContainerKey(String namespace, String pod, String uid, String container) {}

  private final int maxPods;
  private final int maxFindings;
  private String seccompSource;
  private String capabilitySource;
  private long lost;
  private long unattributed;
  private long droppedFindings;

  /** By pod UID, in the order they were last active. */
  private final LinkedHashMap<String, PodEntry> pods = new LinkedHashMap<>(16, 0.75f, true);

  /** In the order they were last seen (least recent first). */
  private final LinkedHashMap<FindingKey, FindingEntry> findings =
      new LinkedHashMap<>(16, 0.75f, true);

  public NodeActivity() {
    this(NodeRecordingStatus.MAX_PODS, NodeRecordingStatus.MAX_AUDIT_FINDINGS);
  }

  public NodeActivity(int maxPods, int maxFindings) {
    this.maxPods = maxPods;
    this.maxFindings = maxFindings;
  }

  public void sources(String seccompSource, String capabilitySource) {
    this.seccompSource = seccompSource;
    this.capabilitySource = capabilitySource;
  }

  /** Records the kernel dropped or overwrote before the recorder read them. */
  public void lost(long records) {
    lost += records;
    // The kernel does not say whose records it dropped: every pod being recorded may miss some.
    pods.values().stream().filter(p -> !p.gone).forEach(p -> p.lost += records);
  }

  /** Records whose process was gone, or whose container no pod on this node showed in time. */
  public void unattributed(long records) {
    unattributed += records;
    pods.values().stream().filter(p -> !p.gone).forEach(p -> p.unattributed += records);
  }

  /**
   * A container of a recorded pod is running: it is listed (with nothing recorded yet, or as
   * privileged) even before its first record.
   */
  public void present(ContainerKey key, ContainerRoute route) {
    route
        .recording()
        .ifPresent(
            rec ->
                container(key, rec, route.privileged()).syscallsRecorded |=
                    route.recordsSyscalls());
  }

  /** The pod has left the node: its entry stays (the recording needs it) but makes room first. */
  public void podGone(String uid) {
    // Not get(): that would count as activity and move the pod to the back of the eviction order.
    PodEntry p = pods.values().stream().filter(e -> e.uid.equals(uid)).findFirst().orElse(null);
    if (p != null) {
      p.gone = true;
    }
  }

  /** One seccomp record (a call the container's profile logs) of a container. */
  public void syscall(ContainerKey key, ContainerRoute route, String syscall, Instant at) {
    route
        .recording()
        .filter(rec -> route.recordsSyscalls())
        .ifPresent(
            rec -> {
              ContainerEntry c = container(key, rec, false);
              c.syscallsRecorded = true;
              c.syscalls.add(syscall);
              c.records++;
            });
    route
        .auditProfile()
        // A profile's findings are of pods of its own namespace only (the finding names the pod by
        // the profile's namespace).
        .filter(profile -> profile.namespace().equals(key.namespace()))
        .ifPresent(
            profile ->
                finding(
                    new FindingKey(
                        SeccompProfile.class.getSimpleName(),
                        profile.namespace(),
                        profile.name(),
                        key.pod(),
                        key.container(),
                        syscall,
                        null),
                    at));
  }

  /** One capability check of a container that means a need (incidental checks never come here). */
  public void capability(ContainerKey key, ContainerRoute route, Capability cap, Instant at) {
    route
        .recording()
        .filter(rec -> !route.privileged())
        .ifPresent(
            rec -> {
              ContainerEntry c = container(key, rec, false);
              c.capabilities.add(cap.name());
              c.records++;
            });
    for (ContainerRoute.AuditedPolicy p : route.auditPolicies()) {
      if (!p.keeps(cap)) {
        finding(
            new FindingKey(
                CapabilityPolicy.class.getSimpleName(),
                key.namespace(),
                p.name(),
                key.pod(),
                key.container(),
                null,
                cap.name()),
            at);
      }
    }
  }

  /** The status to write, without lastReportTime (the writer stamps it when it writes). */
  public NodeRecordingStatus status() {
    NodeRecordingStatus s = new NodeRecordingStatus();
    s.setSeccompSource(seccompSource);
    s.setCapabilitySource(capabilitySource);
    s.setLostRecords(lost);
    s.setUnattributedRecords(unattributed);
    List<NodeRecordedPod> podList = new ArrayList<>();
    pods.values().stream()
        .sorted(
            java.util.Comparator.comparing((PodEntry p) -> p.namespace)
                .thenComparing(p -> p.pod)
                .thenComparing(p -> p.uid))
        .forEach(p -> podList.add(p.toApi()));
    s.setPods(podList);
    List<NodeAuditFinding> list = new ArrayList<>();
    findings.forEach((k, v) -> list.add(0, k.toApi(v)));
    s.setAuditFindings(list);
    s.setDroppedAuditFindings(droppedFindings);
    return s;
  }

  private ContainerEntry container(ContainerKey key, String recording, boolean privileged) {
    PodEntry p = pods.get(key.uid());
    if (p == null) {
      makeRoomForPod();
      p = new PodEntry(recording, key.namespace(), key.pod(), key.uid());
      pods.put(key.uid(), p);
    }
    ContainerEntry c = p.containers.computeIfAbsent(key.container(), n -> new ContainerEntry());
    c.privileged |= privileged;
    return c;
  }

  private void makeRoomForPod() {
    if (pods.size() < maxPods) {
      return;
    }
    Iterator<PodEntry> it = pods.values().iterator();
    String victim = null;
    while (it.hasNext()) {
      PodEntry p = it.next();
      if (p.gone) {
        victim = p.uid;
        break;
      }
    }
    pods.remove(victim != null ? victim : pods.keySet().iterator().next());
  }

  private void finding(FindingKey key, Instant at) {
    FindingEntry e = findings.get(key);
    if (e == null) {
      if (findings.size() >= maxFindings) {
        Iterator<FindingKey> oldest = findings.keySet().iterator();
        oldest.next();
        oldest.remove();
        droppedFindings++;
      }
      e = new FindingEntry();
      findings.put(key, e);
    }
    e.count++;
    e.lastSeen = at.truncatedTo(ChronoUnit.SECONDS);
  }

  private static final class PodEntry {
    final String recording;
    final String namespace;
    final String pod;
    final String uid;
    final Map<String, ContainerEntry> containers = new TreeMap<>();
    boolean gone;
    long lost;
    long unattributed;

    PodEntry(String recording, String namespace, String pod, String uid) {
      this.recording = recording;
      this.namespace = namespace;
      this.pod = pod;
      this.uid = uid;
    }

    NodeRecordedPod toApi() {
      NodeRecordedPod p = new NodeRecordedPod();
      p.setRecording(recording);
      p.setNamespace(namespace);
      p.setPod(pod);
      p.setUid(uid);
      p.setLostRecords(lost);
      p.setUnattributedRecords(unattributed);
      List<NodeRecordedContainer> list = new ArrayList<>();
      containers.forEach(
          (name, c) -> {
            NodeRecordedContainer rc = new NodeRecordedContainer();
            rc.setName(name);
            rc.setSyscalls(new ArrayList<>(c.syscalls));
            rc.setCapabilities(new ArrayList<>(c.capabilities));
            rc.setRecords(c.records);
            rc.setPrivileged(c.privileged ? Boolean.TRUE : null);
            rc.setSyscallsRecorded(c.syscallsRecorded);
            list.add(rc);
          });
      p.setContainers(list);
      return p;
    }
  }

  private static final class ContainerEntry {
    final Set<String> syscalls = new TreeSet<>();
    final Set<String> capabilities = new TreeSet<>();
    long records;
    boolean privileged;
    boolean syscallsRecorded;
  }

  private record FindingKey(
      String kind,
      String namespace,
      String name,
      String pod,
      String container,
      String syscall,
      String capability) {
    NodeAuditFinding toApi(FindingEntry e) {
      NodeAuditFinding f = new NodeAuditFinding();
      f.setKind(kind);
      f.setNamespace(namespace);
      f.setName(name);
      f.setPod(pod);
      f.setContainer(container);
      f.setSyscall(syscall);
      f.setCapability(capability);
      f.setCount(e.count);
      f.setLastSeen(Objects.toString(e.lastSeen));
      return f;
    }
  }

  private static final class FindingEntry {
    long count;
    Instant lastSeen;
  }
}
