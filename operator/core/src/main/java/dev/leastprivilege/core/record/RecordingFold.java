package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecordedPod;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The nodes' recorder reports ({@code NodeRecording}) folded into one ProfileRecording's status:
 * the pods it recorded, one entry per container name merged over the replicas (the union of what
 * they did, and for each call how many replicas made it: the coverage), the records lost or left
 * unattributed on the nodes that recorded its pods, and what could not be recorded.
 *
 * <p>The previous status is folded in too, by maximum: a node's report may drop a pod once it is
 * gone, and a recorder that restarts counts from zero again, yet what was recorded stays recorded.
 * Taking the maximum never counts a replica twice.
 */
public final class RecordingFold {
  /** A node's recorder source that cannot record says so with this prefix. */
  public static final String UNAVAILABLE = "Unavailable";

  /** How many pods or nodes a warning names before it counts the rest. */
  static final int NAMED = 3;

  private RecordingFold() {}

  /** One node's report. */
  public record NodeReport(String node, NodeRecordingStatus status) {}

  /** A recorded pod, as the recorder named it. */
  public record RecordedPod(String namespace, String name, String uid) {}

  /**
   * @param containerNames the spec's containerNames: only these are folded (empty: all)
   * @param kinds what the recording records: a node that cannot record one of them is named in a
   *     warning
   * @param previous the status written before, or null
   */
  public record Input(
      String namespace,
      String recording,
      List<String> containerNames,
      Set<RecordingKind> kinds,
      Collection<NodeReport> nodes,
      ProfileRecordingStatus previous) {}

  /** The folded status fields, and the pods the reports name now (for the end rule). */
  public record Folded(
      int recordedPods,
      List<RecordedContainer> containers,
      long lostRecords,
      long unattributedRecords,
      List<String> warnings,
      Set<RecordedPod> pods) {}

  private static final class Merge {
    int replicas;
    boolean syscallsRecorded;
    final Map<String, Integer> syscalls = new TreeMap<>();
    final Set<String> capabilities = new TreeSet<>();
  }

  public static Folded fold(Input in) {
    Map<String, RecordedPod> pods = new LinkedHashMap<>();
    Map<String, Merge> byName = new TreeMap<>();
    Map<String, List<String>> privileged = new TreeMap<>();
    long lost = 0;
    long unattributed = 0;
    for (NodeReport report : in.nodes()) {
      NodeRecordingStatus status = report.status();
      if (status == null) {
        continue;
      }
      // What the node lost while it recorded this recording's pods, not since it started: the
      // kernel does not say whose records it dropped, so each recorded pod carries the node's
      // losses during its recording, and the pods of one node overlap.
      long lostHere = 0;
      long unattributedHere = 0;
      for (NodeRecordedPod pod : nullSafe(status.getPods())) {
        if (!in.recording().equals(pod.getRecording())
            || !in.namespace().equals(pod.getNamespace())) {
          continue;
        }
        lostHere = Math.max(lostHere, orZero(pod.getLostRecords()));
        unattributedHere = Math.max(unattributedHere, orZero(pod.getUnattributedRecords()));
        // A pod appears once, even if a stale report of another node still names it.
        String key = pod.getUid() != null ? pod.getUid() : pod.getNamespace() + "/" + pod.getPod();
        if (pods.putIfAbsent(key, new RecordedPod(pod.getNamespace(), pod.getPod(), pod.getUid()))
            != null) {
          continue;
        }
        for (NodeRecordedContainer c : nullSafe(pod.getContainers())) {
          if (c.getName() == null || !selected(in.containerNames(), c.getName())) {
            continue;
          }
          if (Boolean.TRUE.equals(c.getPrivileged())) {
            privileged.computeIfAbsent(c.getName(), k -> new ArrayList<>()).add(pod.getPod());
            continue;
          }
          Merge m = byName.computeIfAbsent(c.getName(), k -> new Merge());
          m.replicas++;
          m.syscallsRecorded |= Boolean.TRUE.equals(c.getSyscallsRecorded());
          new TreeSet<>(nullSafe(c.getSyscalls()))
              .forEach(s -> m.syscalls.merge(s, 1, Integer::sum));
          m.capabilities.addAll(nullSafe(c.getCapabilities()));
        }
      }
      lost += lostHere;
      unattributed += unattributedHere;
    }
    ProfileRecordingStatus prev = in.previous();
    if (prev != null) {
      for (RecordedContainer c : nullSafe(prev.getContainers())) {
        if (c.getName() == null || !selected(in.containerNames(), c.getName())) {
          continue;
        }
        Merge m = byName.computeIfAbsent(c.getName(), k -> new Merge());
        m.replicas = Math.max(m.replicas, c.getReplicas() == null ? 0 : c.getReplicas());
        m.syscallsRecorded |= Boolean.TRUE.equals(c.getSyscallsRecorded());
        for (SyscallCoverage s : nullSafe(c.getSyscalls())) {
          int r = s.getReplicas() == null ? 0 : s.getReplicas();
          m.syscalls.merge(s.getName(), r, Math::max);
        }
        m.capabilities.addAll(nullSafe(c.getCapabilities()));
      }
    }
    List<String> warnings = new ArrayList<>();
    List<RecordedContainer> containers = containers(byName, warnings);
    if (in.kinds().contains(RecordingKind.Seccomp)) {
      byName.forEach(
          (name, m) -> {
            if (!m.syscallsRecorded) {
              warnings.add(
                  "container "
                      + name
                      + ": its system calls were not recorded in any pod (an Enforce"
                      + " SeccompProfile selects it), so no SeccompProfile is produced for it");
            }
          });
    }
    privileged.forEach(
        (container, podNames) ->
            warnings.add(
                "container "
                    + container
                    + " of "
                    + named(podNames, "pod")
                    + " is privileged: it runs unconfined, so nothing of it is recorded"));
    warnings.addAll(unavailableNodes(in));
    int recordedPods =
        Math.max(
            pods.size(),
            prev == null || prev.getRecordedPods() == null ? 0 : prev.getRecordedPods());
    return new Folded(
        recordedPods,
        containers,
        Math.max(lost, prev == null ? 0 : orZero(prev.getLostRecords())),
        Math.max(unattributed, prev == null ? 0 : orZero(prev.getUnattributedRecords())),
        warnings.stream().limit(ProfileRecordingStatus.MAX_WARNINGS).toList(),
        Set.copyOf(pods.values()));
  }

  private static List<RecordedContainer> containers(
      Map<String, Merge> byName, List<String> warnings) {
    List<RecordedContainer> out = new ArrayList<>();
    for (Map.Entry<String, Merge> e : byName.entrySet()) {
      if (out.size() == ProfileRecordingStatus.MAX_CONTAINERS) {
        warnings.add(
            (byName.size() - out.size())
                + " more container names than the status can list ("
                + ProfileRecordingStatus.MAX_CONTAINERS
                + "); narrow spec.containerNames");
        break;
      }
      RecordedContainer c = new RecordedContainer();
      c.setName(e.getKey());
      c.setReplicas(e.getValue().replicas);
      c.setSyscallsRecorded(e.getValue().syscallsRecorded);
      List<SyscallCoverage> syscalls = new ArrayList<>();
      e.getValue().syscalls.entrySet().stream()
          .limit(RecordedContainer.MAX_SYSCALLS)
          .forEach(
              s -> {
                SyscallCoverage sc = new SyscallCoverage();
                sc.setName(s.getKey());
                sc.setReplicas(s.getValue());
                syscalls.add(sc);
              });
      c.setSyscalls(syscalls);
      c.setCapabilities(new ArrayList<>(e.getValue().capabilities));
      out.add(c);
    }
    return out;
  }

  /**
   * Nodes whose kernel or set-up cannot give one of the recorded kinds, grouped by reason: pods
   * there are not recorded for it.
   */
  private static List<String> unavailableNodes(Input in) {
    Map<String, List<String>> byReason = new TreeMap<>();
    for (NodeReport report : in.nodes()) {
      NodeRecordingStatus s = report.status();
      if (s == null) {
        continue;
      }
      if (in.kinds().contains(RecordingKind.Seccomp) && unavailable(s.getSeccompSource())) {
        byReason
            .computeIfAbsent(
                "system calls cannot be recorded: " + s.getSeccompSource(), k -> new ArrayList<>())
            .add(report.node());
      }
      if (in.kinds().contains(RecordingKind.Capabilities) && unavailable(s.getCapabilitySource())) {
        byReason
            .computeIfAbsent(
                "capabilities cannot be recorded: " + s.getCapabilitySource(),
                k -> new ArrayList<>())
            .add(report.node());
      }
    }
    List<String> out = new ArrayList<>();
    byReason.forEach((reason, nodes) -> out.add("on " + named(nodes, "node") + ", " + reason));
    return out;
  }

  static boolean unavailable(String source) {
    return source != null && source.startsWith(UNAVAILABLE);
  }

  /** "pod a", "3 pods (a, b, c)", "5 pods (a, b, c, ...)". */
  static String named(List<String> names, String noun) {
    List<String> sorted = new ArrayList<>(new TreeSet<>(names));
    if (sorted.size() == 1) {
      return noun + " " + sorted.get(0);
    }
    return sorted.size()
        + " "
        + noun
        + "s ("
        + String.join(", ", sorted.subList(0, Math.min(NAMED, sorted.size())))
        + (sorted.size() > NAMED ? ", ..." : "")
        + ")";
  }

  private static boolean selected(List<String> containerNames, String name) {
    return containerNames == null || containerNames.isEmpty() || containerNames.contains(name);
  }

  private static long orZero(Long l) {
    return l == null ? 0 : l;
  }

  private static <T> List<T> nullSafe(List<T> l) {
    return l == null ? List.of() : l;
  }
}
