package dev.leastprivilege.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.attacks.JsonPatches;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The recording rules the attack corpus does not reach: which recording wins, and what keeps a pod
 * from being recorded. The corpus (AttackCorpusTest) has the cases that matter for escapes.
 */
class PodRecordingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ALLOWED =
      Map.of(ApiNames.RECORDING_ALLOWED_LABEL, ApiNames.RECORDING_ALLOWED);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final MutationPlanner planner = new MutationPlanner("lpo-system");

  @Test
  void theOldestRecordingRecordsThePodWhateverItsName() {
    NamespacePolicies ns =
        new NamespacePolicies(
            ALLOWED,
            List.of(recordingProfile("alpha"), recordingProfile("zeta")),
            List.of(),
            List.of(
                recording("alpha", matchAll(), RecordingPhase.Recording, T0.plusSeconds(1)),
                recording("zeta", matchAll(), RecordingPhase.Recording, T0)));
    AdmissionPlan plan = plan(pod(Map.of()), ns);
    JsonNode after = JsonPatches.apply(pod(Map.of()), plan.patch());
    assertEquals("zeta", after.at("/metadata/annotations/leastprivilege.dev~1recording").asText());
    assertEquals(
        "leastprivilege/team/zeta.recording.json",
        after.at("/spec/containers/0/securityContext/seccompProfile/localhostProfile").asText());
    assertTrue(
        plan.warnings().stream()
            .anyMatch(w -> w.contains("ProfileRecording zeta, the oldest, records it")),
        plan.warnings()::toString);
  }

  @Test
  void aRecordingWhoseProfileHasNoFileRecordsNoSystemCallsAndSaysWhy() {
    ProfileCandidate unpublished =
        new ProfileCandidate(
            new ProfileRef("team", "rec.recording"),
            null,
            List.of(),
            Mode.Audit,
            false,
            "not rolled out yet",
            "the operator has not published it yet");
    NamespacePolicies ns =
        new NamespacePolicies(
            ALLOWED,
            List.of(unpublished),
            List.of(),
            List.of(recording("rec", matchAll(), RecordingPhase.Recording, T0)));
    AdmissionPlan plan = plan(pod(Map.of()), ns);
    assertTrue(plan.allowed());
    // No seccompProfile is set; the pod is only marked, since its capability checks are recorded.
    assertEquals(
        "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"leastprivilege.dev/recording\":\"rec\"}}]",
        plan.patch().toString());
    assertEquals(
        List.of(
            "container app: ProfileRecording rec does not record its system calls: SeccompProfile"
                + " rec.recording has no file on the nodes (the operator has not published it yet)"),
        plan.warnings());
  }

  @Test
  void anInvalidSelectorRecordsNoPod() {
    // An invalid selector makes an Enforce profile select every pod (fail closed); a recording only
    // loosens, so failing closed for it means recording nothing.
    SelectorRequirement inWithoutValues = new SelectorRequirement();
    inWithoutValues.setKey("app");
    inWithoutValues.setOperator("In");
    PodSelector invalid = new PodSelector();
    invalid.setMatchExpressions(List.of(inWithoutValues));
    NamespacePolicies ns =
        new NamespacePolicies(
            ALLOWED,
            List.of(recordingProfile("rec")),
            List.of(),
            List.of(recording("rec", invalid, RecordingPhase.Recording, T0)));
    AdmissionPlan plan = plan(pod(Map.of()), ns);
    assertFalse(plan.changes(), () -> "patch: " + plan.patch());
  }

  @Test
  void aPendingRecordingChangesNothingAndItsAnnotationIsNotKept() {
    NamespacePolicies ns =
        new NamespacePolicies(
            ALLOWED,
            List.of(recordingProfile("rec")),
            List.of(),
            List.of(recording("rec", matchAll(), RecordingPhase.Pending, T0)));
    ObjectNode pod = pod(Map.of(ApiNames.RECORDING_ANNOTATION, "rec", "team/other", "kept"));
    AdmissionPlan plan = plan(pod, ns);
    JsonNode after = JsonPatches.apply(pod, plan.patch());
    assertEquals(
        Map.of("team/other", "kept"),
        JSON.convertValue(after.at("/metadata/annotations"), Map.class));
    assertTrue(after.at("/spec/containers/0/securityContext").isMissingNode());
    assertEquals(
        List.of(
            "ProfileRecording rec selects this pod but is not recording yet (phase Pending), so the"
                + " pod is not recorded; create it again (kubectl rollout restart) once the"
                + " recording's phase is Recording"),
        plan.warnings());
  }

  private AdmissionPlan plan(ObjectNode pod, NamespacePolicies ns) {
    return planner.plan(AdmittedPod.of(pod, "team"), ns);
  }

  private static ObjectNode pod(Map<String, String> annotations) {
    ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    ObjectNode metadata = pod.putObject("metadata").put("name", "p").put("namespace", "team");
    metadata.putObject("labels").put("app", "web");
    if (!annotations.isEmpty()) {
      annotations.forEach(metadata.putObject("annotations")::put);
    }
    pod.putObject("spec").putArray("containers").addObject().put("name", "app");
    return pod;
  }

  private static PodSelector matchAll() {
    return new PodSelector();
  }

  private static RecordingCandidate recording(
      String name, PodSelector selector, RecordingPhase phase, Instant created) {
    return new RecordingCandidate(name, selector, List.of(), Set.of(), phase, created);
  }

  private static ProfileCandidate recordingProfile(String recording) {
    return new ProfileCandidate(
        new ProfileRef("team", recording + ".recording"),
        null,
        List.of(),
        Mode.Audit,
        true,
        "Installed");
  }
}
