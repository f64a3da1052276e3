package dev.leastprivilege.core.workload;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.Mode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When the operator restarts a workload whose running pods do not comply ({@code
 * restartNonCompliant: true}), as {@code kubectl rollout restart} does.
 *
 * <p>A restarted workload's pod template records, in {@link #RESTARTED_FOR}, the set of objects
 * that asked for it: every Enforce-mode SeccompProfile and CapabilityPolicy of the namespace that
 * selects the template and sets {@code restartNonCompliant: true}, each as kind, name, generation
 * and uid. A workload is restarted only when that set, computed now, differs from the one recorded.
 * So:
 *
 * <ul>
 *   <li>two objects that select the same workload restart it once, not alternately forever (each
 *       computes the same set from the template, and finds it recorded);
 *   <li>a change of any of them (a new generation, one added, removed or created again) restarts it
 *       once more;
 *   <li>pods whose new revision is still not compliant (the webhook was down, say) are not
 *       restarted again until the set changes: the Event and status report them instead.
 * </ul>
 *
 * The set is judged from the template, not from the pods each object happens to select, so every
 * object that looks at the workload agrees on it; one that selects the workload's pods only by
 * labels the template lacks (a StatefulSet pod's name, say) does not restart it.
 */
public final class RestartRule {
  /** Pod template annotation: the objects the workload was last restarted for. */
  public static final String RESTARTED_FOR = ApiNames.GROUP + "/restarted-for";

  /** Pod template annotation that {@code kubectl rollout restart} sets, to a timestamp. */
  public static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";

  /** The owners a restart can roll: anything else (a bare Pod, a Job) is only reported. */
  public static final Set<String> RESTARTABLE_KINDS =
      Set.of("Deployment", "StatefulSet", "DaemonSet");

  /**
   * Longest {@link #RESTARTED_FOR} value kept as a readable list; a longer set is recorded as its
   * digest, so the annotation stays small however many objects select the workload.
   */
  public static final int MAX_RECORD_LENGTH = 1024;

  /** The chart value that lets the operator patch workloads. */
  public static final String CHART_VALUE = "operator.restartWorkloads";

  static final String DISABLED =
      "spec.restartNonCompliant: restarts are disabled in this installation: set "
          + CHART_VALUE
          + "=true in the chart; this grants patch on every Deployment, StatefulSet and DaemonSet";

  static final String AUDIT =
      "spec.restartNonCompliant: ignored in Audit mode: an Audit object never restarts workloads";

  private RestartRule() {}

  /** A workload as the rule reads it: its kind, its pod template, and what it records. */
  public record Workload(
      String kind, Map<String, String> templateLabels, Set<String> containers, String recorded) {}

  /**
   * Whether to restart now, and what to record.
   *
   * @param askers the objects of the namespace that select the workload and ask for restarts
   * @param record the value of {@link #RESTARTED_FOR} for them
   */
  public record Decision(boolean restart, List<RestartRequest> askers, String record) {}

  /**
   * Why an object that sets {@code restartNonCompliant: true} restarts nothing, for its status and
   * Events; empty when it may restart.
   *
   * @param enabled whether this installation lets the operator patch workloads ({@link
   *     #CHART_VALUE})
   * @param exemptNamespace whether the object's namespace is one the product never touches
   */
  public static Optional<String> blocked(
      Mode mode, Boolean restartNonCompliant, boolean enabled, boolean exemptNamespace) {
    if (!Boolean.TRUE.equals(restartNonCompliant)) {
      return Optional.empty();
    }
    if (mode == Mode.Audit) {
      return Optional.of(AUDIT);
    }
    if (!enabled) {
      return Optional.of(DISABLED);
    }
    if (exemptNamespace) {
      return Optional.of(
          "spec.restartNonCompliant: nothing is restarted in this namespace: the product never"
              + " touches kube-system, its own namespace, or a namespace labelled "
              + ApiNames.OPT_OUT_LABEL
              + "=true");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code reviewer} (kind and name), which found non-compliant pods of {@code workload},
   * restarts it now.
   *
   * @param namespaceObjects every SeccompProfile and CapabilityPolicy of the workload's namespace
   */
  public static Decision decide(
      String reviewerKind,
      String reviewerName,
      Workload workload,
      Collection<RestartRequest> namespaceObjects) {
    List<RestartRequest> askers =
        namespaceObjects.stream()
            .filter(RestartRequest::asks)
            .filter(o -> o.selects(workload.templateLabels(), workload.containers()))
            .sorted(Comparator.comparing(RestartRequest::kind).thenComparing(RestartRequest::name))
            .toList();
    String record = record(askers);
    boolean restart =
        RESTARTABLE_KINDS.contains(workload.kind())
            && askers.stream().anyMatch(a -> a.sameObject(reviewerKind, reviewerName))
            && !record.equals(workload.recorded());
    return new Decision(restart, askers, record);
  }

  /**
   * The {@link #RESTARTED_FOR} value for a set of objects: their entries, sorted, or past {@link
   * #MAX_RECORD_LENGTH} their count and digest.
   */
  static String record(Collection<RestartRequest> askers) {
    String list =
        askers.stream().map(RestartRequest::entry).sorted().collect(Collectors.joining(", "));
    if (list.length() <= MAX_RECORD_LENGTH) {
      return list;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(list.getBytes(StandardCharsets.UTF_8));
      return askers.size() + " objects, sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
