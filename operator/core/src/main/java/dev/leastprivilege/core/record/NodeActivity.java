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
 * (the least recently seen is dropped and counted in droppedAuditFindings); at most {@link
 * #MAX_CONTAINERS_PER_POD} containers per pod; and a byte budget ({@link #POD_BYTES}) on the pods'
 * part of the status, estimated as it grows, so that the NodeRecording stays far below the API
 * server's request limit (about 1.5 MiB) whatever a tenant's pods do. A new pod past the budget
 * makes room as for the pod bound; a container or a call that finds no room is left out and its
 * records are counted in the pod's lostRecords (the recording then says its result may miss calls).
 */
public final class NodeActivity {
  /** One container of a pod on this node. */
  public record ContainerKey(String namespace, String pod, String uid, String container) {}

  /** Containers listed per pod; records of further containers count as the pod's lost records. */
  public static final int MAX_CONTAINERS_PER_POD = 32;

  /**
   * The estimated JSON size of the pods list. With the findings (at most 200 of a few hundred
   * bytes) the status stays under 1 MiB.
   */
  public static final long POD_BYTES = 512 * 1024;

  /** Estimated JSON overhead of a pod and of a container entry (field names, counters). */
  private static final int POD_OVERHEAD = 200;

  private static final int CONTAINER_OVERHEAD = 120;

  private final int maxPods;
  private final long podBytes;
  private long bytes;
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
    this(maxPods, maxFindings, POD_BYTES);
  }

  NodeActivity(int maxPods, int maxFindings, long podBytes) {
    this.maxPods = maxPods;
    this.maxFindings = maxFindings;
    this.podBytes = podBytes;
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
            rec -> {
              ContainerEntry c = container(key, rec, route.privileged());
              if (c != null) {
                c.syscallsRecorded |= route.recordsSyscalls();
              }
            });
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
              if (c != null && keep(key, c.syscalls, syscall)) {
                c.syscallsRecorded = true;
                c.records++;
              } else {
                leftOut(key);
              }
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
              if (c != null && keep(key, c.capabilities, cap.name())) {
                c.records++;
              } else {
                leftOut(key);
              }
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

  /** The container's entry, or null when it finds no room (too many containers, or no bytes). */
  private ContainerEntry container(ContainerKey key, String recording, boolean privileged) {
    PodEntry p = pods.get(key.uid());
    if (p == null) {
      long size =
          POD_OVERHEAD
              + length(recording)
              + length(key.namespace())
              + length(key.pod())
              + length(key.uid());
      makeRoomForPod(size);
      p = new PodEntry(recording, key.namespace(), key.pod(), key.uid());
      p.bytes = size;
      bytes += size;
      pods.put(key.uid(), p);
    }
    ContainerEntry c = p.containers.get(key.container());
    if (c == null) {
      long size = CONTAINER_OVERHEAD + length(key.container());
      if (p.containers.size() >= MAX_CONTAINERS_PER_POD || bytes + size > podBytes) {
        return null;
      }
      c = new ContainerEntry();
      p.containers.put(key.container(), c);
      grow(p, size);
    }
    c.privileged |= privileged;
    return c;
  }

  /** Adds a name to a container's list if it is there already or the budget has room. */
  private boolean keep(ContainerKey key, Set<String> names, String name) {
    if (names.contains(name)) {
      return true;
    }
    long size = length(name);
    if (bytes + size > podBytes) {
      return false;
    }
    names.add(name);
    grow(pods.get(key.uid()), size);
    return true;
  }

  /** The record found no room: the pod's recording is told that it may miss calls. */
  private void leftOut(ContainerKey key) {
    PodEntry p = pods.get(key.uid());
    if (p != null) {
      p.lost++;
    }
  }

  private void grow(PodEntry p, long size) {
    p.bytes += size;
    bytes += size;
  }

  private void makeRoomForPod(long size) {
    while (!pods.isEmpty() && (pods.size() >= maxPods || bytes + size > podBytes)) {
      Iterator<PodEntry> it = pods.values().iterator();
      String victim = null;
      while (it.hasNext()) {
        PodEntry p = it.next();
        if (p.gone) {
          victim = p.uid;
          break;
        }
      }
      PodEntry removed = pods.remove(victim != null ? victim : pods.keySet().iterator().next());
      bytes -= removed.bytes;
    }
  }

  private static long length(String s) {
    return s == null ? 0 : s.length() + 4;
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
    long bytes;
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
