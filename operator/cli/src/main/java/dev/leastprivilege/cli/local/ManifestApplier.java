package dev.leastprivilege.cli.local;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.cli.manifest.Manifest;
import dev.leastprivilege.cli.manifest.Source;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.TypedReader;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies manifests the way `kubectl apply` against a real API server would: objects the CRD schema
 * would refuse are refused here with the field named (the in-memory API server checks no schema),
 * namespaces are created as needed, and everything else is stored.
 */
final class ManifestApplier {
  private final KubernetesClient client;
  private final Set<String> namespaces = new HashSet<>();

  /** One document's outcome: the object applied, why it was refused, or why it was skipped. */
  record Outcome(
      Source source,
      String kind,
      String namespace,
      String name,
      List<FieldError> refused,
      String skipped) {}

  ManifestApplier(KubernetesClient client) {
    this.client = client;
  }

  List<Outcome> apply(List<Manifest> manifests) {
    List<Outcome> outcomes = new ArrayList<>();
    for (Manifest m : manifests) {
      List<FieldError> errors = new ArrayList<>();
      boolean ours = m.apiVersion().equals(ApiNames.API_VERSION);
      if (!ours && !served(m)) {
        // A folder of policies may hold other tools' files (Argo CD, Flux, kustomize): not for this
        // API server.
        outcomes.add(
            new Outcome(
                m.source(),
                m.kind(),
                m.namespace(),
                m.name(),
                List.of(),
                m.apiVersion() + " " + m.kind() + " is not a kind this local API server serves"));
        continue;
      }
      Class<? extends HasMetadata> type =
          !ours
              ? null
              : m.kind().equals(SeccompProfile.KIND)
                  ? SeccompProfile.class
                  : m.kind().equals(CapabilityPolicy.KIND) ? CapabilityPolicy.class : null;
      if (m.name() == null) {
        errors.add(new FieldError("metadata.name", "required"));
      }
      if (type != null) {
        TypedReader.read(m.body(), "", type, errors);
        errors.replaceAll(
            e ->
                new FieldError(
                    e.path().startsWith(".") ? e.path().substring(1) : e.path(), e.message()));
      }
      if (errors.isEmpty()) {
        if (!"Namespace".equals(m.kind())
            && namespaces.add(m.namespace())
            && client.namespaces().withName(m.namespace()).get() == null) {
          client
              .resource(
                  new NamespaceBuilder()
                      .withNewMetadata()
                      .withName(m.namespace())
                      .endMetadata()
                      .build())
              .create();
        }
        GenericKubernetesResource r =
            client
                .getKubernetesSerialization()
                .convertValue(m.body(), GenericKubernetesResource.class);
        if (!"Namespace".equals(m.kind()) && !"Node".equals(m.kind())) {
          r.getMetadata().setNamespace(m.namespace());
        }
        // An existing object gets a merge patch of what the manifest says, as kubectl apply leaves
        // alone what others wrote: the operator's has-policies label on a namespace, say.
        client
            .resource(r)
            .createOr(
                x ->
                    x.patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        client.getKubernetesSerialization().asJson(r)));
      }
      outcomes.add(new Outcome(m.source(), m.kind(), m.namespace(), m.name(), errors, null));
    }
    return outcomes;
  }

  /** Built-in Kubernetes kinds parse to their own class; anything else stays generic. */
  private boolean served(Manifest m) {
    return !(client.getKubernetesSerialization().convertValue(m.body(), KubernetesResource.class)
        instanceof GenericKubernetesResource);
  }
}
