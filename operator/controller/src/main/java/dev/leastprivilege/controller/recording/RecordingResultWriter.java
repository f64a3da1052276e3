package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProducedObject;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.record.RecordingResults;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a recording's results: per container name a SeccompProfile and a CapabilityPolicy,
 * labelled {@link ApiNames#RECORDED_BY_LABEL} and annotated with the recording's UID ({@link
 * ApiNames#RECORDED_BY_UID_ANNOTATION}), with no podSelector (they select no pod until a user adds
 * one) and no owner (deleting the recording keeps them). It only creates: it never changes an
 * object that exists, and it checks every name before it writes any. An object of that name that
 * carries this recording's UID is its own result from an earlier try and stays as it is; any other
 * (a committed, perhaps enforced, policy, even one still labelled with this recording's name) is a
 * conflict.
 */
final class RecordingResultWriter {
  private final KubernetesClient client;

  RecordingResultWriter(KubernetesClient client) {
    this.client = client;
  }

  /** The first result name taken by an object another hand made, as a message. */
  Optional<String> conflict(ProfileRecording rec, List<RecordingResults.Result> results) {
    String ns = rec.getMetadata().getNamespace();
    for (RecordingResults.Result r : results) {
      if (r.seccomp().isPresent()) {
        Optional<String> c =
            taken(
                rec,
                client.resources(SeccompProfile.class).inNamespace(ns).withName(r.name()).get());
        if (c.isPresent()) {
          return c;
        }
      }
      if (r.capabilities().isPresent()) {
        Optional<String> c =
            taken(
                rec,
                client.resources(CapabilityPolicy.class).inNamespace(ns).withName(r.name()).get());
        if (c.isPresent()) {
          return c;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Creates every result not made yet, and lists them. Call after {@link #conflict}: an object made
   * by another hand in between makes the create fail (409), and the retry reports the name as
   * taken.
   */
  List<ProducedObject> write(ProfileRecording rec, List<RecordingResults.Result> results) {
    List<ProducedObject> produced = new ArrayList<>();
    for (RecordingResults.Result r : results) {
      if (r.seccomp().isPresent()) {
        SeccompProfile p = new SeccompProfile();
        p.setMetadata(meta(rec, r.name()));
        p.setSpec(r.seccomp().get());
        createUnlessMade(p);
        produced.add(produced(SeccompProfile.KIND, r));
      }
      if (r.capabilities().isPresent()) {
        CapabilityPolicy p = new CapabilityPolicy();
        p.setMetadata(meta(rec, r.name()));
        p.setSpec(r.capabilities().get());
        createUnlessMade(p);
        produced.add(produced(CapabilityPolicy.KIND, r));
      }
    }
    return produced;
  }

  /**
   * Creates the object unless it exists (then {@link #conflict} found it to be this recording's).
   */
  private <T extends HasMetadata> void createUnlessMade(T object) {
    if (client.resource(object).get() == null) {
      client.resource(object).create();
    }
  }

  /** Made by this recording: it carries the recording's UID (a name can be reused, a UID not). */
  static boolean madeBy(HasMetadata o, ProfileRecording rec) {
    Map<String, String> annotations = o.getMetadata().getAnnotations();
    return annotations != null
        && rec.getMetadata().getUid().equals(annotations.get(ApiNames.RECORDED_BY_UID_ANNOTATION));
  }

  private static Optional<String> taken(ProfileRecording rec, HasMetadata existing) {
    if (existing == null || madeBy(existing, rec)) {
      return Optional.empty();
    }
    return Optional.of(
        "a "
            + existing.getKind()
            + " named "
            + existing.getMetadata().getName()
            + " exists in namespace "
            + rec.getMetadata().getNamespace()
            + " and was not made by this recording; nothing was written. Rename or delete it,"
            + " and the recording writes its results (what it recorded stays in status.containers)");
  }

  private static ObjectMeta meta(ProfileRecording rec, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(rec.getMetadata().getNamespace())
        .withLabels(Map.of(ApiNames.RECORDED_BY_LABEL, rec.getMetadata().getName()))
        .withAnnotations(Map.of(ApiNames.RECORDED_BY_UID_ANNOTATION, rec.getMetadata().getUid()))
        .build();
  }

  private static ProducedObject produced(String kind, RecordingResults.Result r) {
    ProducedObject o = new ProducedObject();
    o.setKind(kind);
    o.setName(r.name());
    o.setContainerName(r.containerName());
    return o;
  }
}
