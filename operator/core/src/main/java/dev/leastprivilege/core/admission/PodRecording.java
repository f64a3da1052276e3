package dev.leastprivilege.core.admission;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which ProfileRecording records a pod being created: one in phase Recording whose selector picks
 * the pod and whose containerNames name one of its containers, in a namespace a cluster
 * administrator labelled {@link ApiNames#RECORDING_ALLOWED_LABEL}={@link
 * ApiNames#RECORDING_ALLOWED}. A pod carries one recording's annotation, so when two select it the
 * oldest (then the first by name) records it, with a warning: the choice does not depend on the
 * order the cache happens to hold them in.
 *
 * <p>Only pods being created are recorded: an ephemeral container (kubectl debug) is a person's
 * tool, not the workload; its calls would end up in the profile produced for the workload.
 */
final class PodRecording {
  private static final Comparator<RecordingCandidate> OLDEST_FIRST =
      Comparator.comparing(
              (RecordingCandidate r) -> r.created() == null ? Instant.MAX : r.created())
          .thenComparing(RecordingCandidate::name);

  private PodRecording() {}

  static Optional<RecordingCandidate> choose(
      AdmittedPod pod, NamespacePolicies ns, Findings findings) {
    if (!pod.creating()) {
      return Optional.empty();
    }
    List<RecordingCandidate> selecting =
        ns.recordings().stream()
            .filter(r -> r.selects(pod))
            .filter(r -> pod.containers().stream().anyMatch(c -> r.selectsContainer(c.name())))
            .sorted(OLDEST_FIRST)
            .toList();
    if (!ns.recordingAllowed()) {
      selecting.stream()
          .filter(r -> r.phase() != RecordingPhase.Completed)
          .findFirst()
          .ifPresent(
              r ->
                  findings.warn(
                      r.title()
                          + " selects this pod, but namespace "
                          + pod.namespace()
                          + " is not labelled "
                          + ApiNames.RECORDING_ALLOWED_LABEL
                          + "="
                          + ApiNames.RECORDING_ALLOWED
                          + " (a cluster administrator's opt-in), so the pod is not recorded"));
      return Optional.empty();
    }
    List<RecordingCandidate> active =
        selecting.stream().filter(RecordingCandidate::recording).toList();
    if (active.isEmpty()) {
      // The usual surprise: a workload created together with its recording starts before the
      // recording profile is on every node, and is not recorded.
      selecting.stream()
          .filter(r -> r.phase() == null || r.phase() == RecordingPhase.Pending)
          .findFirst()
          .ifPresent(
              r ->
                  findings.warn(
                      r.title()
                          + " selects this pod but is not recording yet (phase "
                          + (r.phase() == null ? "unset" : r.phase())
                          + "), so the pod is not recorded; create it again (kubectl rollout"
                          + " restart) once the recording's phase is Recording"));
      return Optional.empty();
    }
    if (active.size() > 1) {
      findings.warn(
          "this pod is selected by "
              + String.join(" and ", active.stream().map(RecordingCandidate::title).toList())
              + "; "
              + active.get(0).title()
              + ", the oldest, records it. Make their podSelectors disjoint");
    }
    return Optional.of(active.get(0));
  }
}
