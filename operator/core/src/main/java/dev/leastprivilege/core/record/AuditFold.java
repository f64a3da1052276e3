package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Audit findings that every node's recorder reported for one SeccompProfile or
 * CapabilityPolicy, folded into the list its status shows: one entry per pod, container and syscall
 * (or capability), counts summed over the nodes, the latest lastSeen, most recent first, at most
 * {@link #MAX}.
 */
public final class AuditFold {
  /** The status bound, the same for both kinds. */
  public static final int MAX = SeccompProfileStatus.MAX_AUDIT_FINDINGS;

  /** SeccompProfile and CapabilityPolicy findings carry these kinds. */
  public static final String SECCOMP_PROFILE = "SeccompProfile";

  public static final String CAPABILITY_POLICY = "CapabilityPolicy";

  private AuditFold() {}

  /** Whether a node's finding is about this object. */
  public static boolean names(NodeAuditFinding f, String kind, String namespace, String name) {
    return kind.equals(f.getKind())
        && namespace.equals(f.getNamespace())
        && name.equals(f.getName());
  }

  /**
   * The namespace is part of the key: a pod is named within its namespace, so findings of two
   * namespaces' pods of the same name are never merged (an object's findings are all of its own
   * namespace: {@link #names} and the recorder's routing keep it so).
   */
  private record Key(
      String namespace, String pod, String container, String syscall, String capability) {}

  /** Findings of one object, from any number of nodes. */
  public static List<AuditFinding> fold(Collection<NodeAuditFinding> findings) {
    Map<Key, AuditFinding> merged = new LinkedHashMap<>();
    for (NodeAuditFinding f : findings) {
      Key key =
          new Key(
              f.getNamespace(), f.getPod(), f.getContainer(), f.getSyscall(), f.getCapability());
      AuditFinding a =
          merged.computeIfAbsent(
              key,
              k -> {
                AuditFinding n = new AuditFinding();
                n.setPod(k.pod());
                n.setContainer(k.container());
                n.setSyscall(k.syscall());
                n.setCapability(k.capability());
                n.setCount(0L);
                return n;
              });
      a.setCount(a.getCount() + (f.getCount() == null ? 1 : f.getCount()));
      if (later(f.getLastSeen(), a.getLastSeen())) {
        a.setLastSeen(f.getLastSeen());
      }
    }
    Comparator<AuditFinding> recentFirst =
        Comparator.comparing((AuditFinding a) -> instant(a.getLastSeen())).reversed();
    return merged.values().stream()
        .sorted(
            recentFirst
                .thenComparing(a -> Objects.toString(a.getPod(), ""))
                .thenComparing(a -> Objects.toString(a.getContainer(), ""))
                .thenComparing(a -> Objects.toString(a.getSyscall(), ""))
                .thenComparing(a -> Objects.toString(a.getCapability(), "")))
        .limit(MAX)
        .toList();
  }

  private static boolean later(String a, String b) {
    return b == null || (a != null && instant(a).isAfter(instant(b)));
  }

  /** An unreadable time sorts as the oldest: a recorder writes RFC 3339. */
  private static Instant instant(String t) {
    if (t == null) {
      return Instant.EPOCH;
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }
}
