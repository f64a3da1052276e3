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
 * labelled {@link ApiNames#RECORDED_BY_LABEL}, with no podSelector (they select no pod until a user
 * adds one) and no owner (deleting the recording keeps them). It never overwrites an object of that
 * name that this recording did not make: it checks every name before it writes any.
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

  /** Writes every result (server-side apply: a retry writes the same), and lists them. */
  List<ProducedObject> write(ProfileRecording rec, List<RecordingResults.Result> results) {
    List<ProducedObject> produced = new ArrayList<>();
    for (RecordingResults.Result r : results) {
      if (r.seccomp().isPresent()) {
        SeccompProfile p = new SeccompProfile();
        p.setMetadata(meta(rec, r.name()));
        p.setSpec(r.seccomp().get());
        client.resource(p).forceConflicts().serverSideApply();
        produced.add(produced(SeccompProfile.KIND, r));
      }
      if (r.capabilities().isPresent()) {
        CapabilityPolicy p = new CapabilityPolicy();
        p.setMetadata(meta(rec, r.name()));
        p.setSpec(r.capabilities().get());
        client.resource(p).forceConflicts().serverSideApply();
        produced.add(produced(CapabilityPolicy.KIND, r));
      }
    }
    return produced;
  }

  private static Optional<String> taken(ProfileRecording rec, HasMetadata existing) {
    if (existing == null) {
      return Optional.empty();
    }
    Map<String, String> labels = existing.getMetadata().getLabels();
    String by = labels == null ? null : labels.get(ApiNames.RECORDED_BY_LABEL);
    if (rec.getMetadata().getName().equals(by)) {
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
