package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.controller.support.StatusDiff;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Optional;

/**
 * A recording's recording profile: the SeccompProfile {@code <recording>.recording}, owned by the
 * recording (deleting the recording deletes it), labelled {@link ApiNames#RECORDED_BY_LABEL}, in
 * Audit mode on the recording's base with no rules of its own and no podSelector. Audit mode makes
 * every call the base does not allow {@code SCMP_ACT_LOG}: exactly the calls to record. The
 * existing pipeline renders and installs it on every node; the webhook points recorded pods at its
 * file. Its one writer is this class (the operator); nothing else writes its spec.
 */
final class RecordingProfile {
  /** Where the recording profile is. */
  sealed interface State {
    /** Installed on every node, at its current generation: pods may be recorded. */
    record Installed() implements State {}

    /** Not installed yet; why, in the profile's own words. */
    record NotYet(String why) implements State {}

    /** Its name is taken by a SeccompProfile this recording did not make. */
    record Conflict(String message) implements State {}
  }

  private final KubernetesClient client;

  RecordingProfile(KubernetesClient client) {
    this.client = client;
  }

  static String nameOf(ProfileRecording rec) {
    return ProfileRecording.recordingProfileName(rec.getMetadata().getName());
  }

  /** Made by this recording: its controller owner reference names the recording's UID. */
  static boolean ownedBy(HasMetadata o, ProfileRecording rec) {
    return o.getMetadata().getOwnerReferences() != null
        && o.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                r ->
                    Boolean.TRUE.equals(r.getController())
                        && rec.getMetadata().getUid().equals(r.getUid()));
  }

  static SeccompProfile desired(ProfileRecording rec, String base) {
    SeccompProfileSpec spec = new SeccompProfileSpec();
    spec.setMode(Mode.Audit);
    spec.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    spec.setBaseProfileName(base);
    SeccompProfile p = new SeccompProfile();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName(nameOf(rec))
            .withNamespace(rec.getMetadata().getNamespace())
            .withLabels(Map.of(ApiNames.RECORDED_BY_LABEL, rec.getMetadata().getName()))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(rec.getApiVersion())
                    .withKind(ProfileRecording.KIND)
                    .withName(rec.getMetadata().getName())
                    .withUid(rec.getMetadata().getUid())
                    .withController(true)
                    .build())
            .build());
    p.setSpec(spec);
    return p;
  }

  /** Creates or corrects the recording profile, and says whether it is installed. */
  State ensure(ProfileRecording rec, Optional<SeccompProfile> current, String base) {
    SeccompProfile desired = desired(rec, base);
    if (current.isPresent() && !ownedBy(current.get(), rec)) {
      return conflict(rec);
    }
    if (current.isEmpty()) {
      try {
        client.resource(desired).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
          // Ours, made a moment ago and not in the cache yet; or another's.
          SeccompProfile there =
              client
                  .resources(SeccompProfile.class)
                  .inNamespace(rec.getMetadata().getNamespace())
                  .withName(nameOf(rec))
                  .get();
          return there != null && ownedBy(there, rec)
              ? new State.NotYet("created " + nameOf(rec))
              : conflict(rec);
        }
        throw e;
      }
      return new State.NotYet("created " + nameOf(rec));
    }
    SeccompProfile p = current.get();
    if (!StatusDiff.same(p.getSpec(), desired.getSpec())
        || !rec.getMetadata().getName().equals(label(p))) {
      // Someone changed what the recording owns: put it back.
      client.resource(desired).forceConflicts().serverSideApply();
      return new State.NotYet("updating " + nameOf(rec));
    }
    var status = p.getStatus();
    if (status != null
        && status.getPhase() == ProfilePhase.Installed
        && p.getMetadata().getGeneration().equals(status.getObservedGeneration())) {
      return new State.Installed();
    }
    String why =
        status == null || status.getPhase() == null
            ? "not reconciled yet"
            : status.getPhase()
                + (status.getConditions() == null || status.getConditions().isEmpty()
                    ? ""
                    : ": " + status.getConditions().get(0).getMessage());
    return new State.NotYet(why);
  }

  /**
   * Deletes the recording profile once the recording is over. The profile's own deletion keeps its
   * file on the nodes while pods still use it.
   */
  void delete(ProfileRecording rec, Optional<SeccompProfile> current) {
    current
        .filter(p -> ownedBy(p, rec) && p.getMetadata().getDeletionTimestamp() == null)
        .ifPresent(p -> client.resource(p).delete());
  }

  private static String label(SeccompProfile p) {
    return p.getMetadata().getLabels() == null
        ? null
        : p.getMetadata().getLabels().get(ApiNames.RECORDED_BY_LABEL);
  }

  private static State conflict(ProfileRecording rec) {
    return new State.Conflict(
        "a SeccompProfile named "
            + nameOf(rec)
            + " exists in namespace "
            + rec.getMetadata().getNamespace()
            + " and was not made by this recording; nothing was changed. Rename or delete that"
            + " profile, or give the recording another name");
  }
}
