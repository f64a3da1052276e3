package dev.leastprivilege.controller.scope;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.core.admission.PolicyNamespaces;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of the namespace label {@code leastprivilege.dev/has-policies=true}, which the
 * chart's webhook configuration selects: it adds the label with a namespace's first SeccompProfile
 * or CapabilityPolicy, or a ProfileRecording that is not Completed (a recording of capabilities
 * only makes no recording profile, and the recorder needs the webhook's annotation on its pods),
 * puts it back when someone removes it, and removes it once the last one is gone (a SeccompProfile
 * after its finalizer ran). Which namespaces carry it is core's rule ({@link PolicyNamespaces});
 * what it did is recorded in the {@link NamespaceScope} that the profile and policy reconcilers
 * read before they write a ready status.
 *
 * <p>Its views of the profiles and policies keep only their names: all it asks is whether a
 * namespace holds any. Before removing the label it asks the API server itself, so a profile
 * created a moment ago, that the view has not seen yet, never loses its namespace's label.
 */
@ControllerConfiguration(
    name = PolicyNamespaceReconciler.NAME,
    informer =
        @Informer(
            informerListLimit = OperatorSettings.LIST_PAGE,
            itemStore = WithoutManagedFields.class))
public final class PolicyNamespaceReconciler implements Reconciler<Namespace> {
  public static final String NAME = "policy-namespaces";

  /** How soon a failed label write is tried again. */
  static final Duration RETRY = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(PolicyNamespaceReconciler.class);

  private final NamespaceScope scope;
  private InformerEventSource<SeccompProfile, Namespace> profiles;
  private InformerEventSource<CapabilityPolicy, Namespace> policies;
  private InformerEventSource<ProfileRecording, Namespace> recordings;

  public PolicyNamespaceReconciler(NamespaceScope scope) {
    this.scope = scope;
  }

  @Override
  public List<EventSource<?, Namespace>> prepareEventSources(EventSourceContext<Namespace> ctx) {
    KubernetesSerialization json = ctx.getClient().getKubernetesSerialization();
    profiles = namesOf(SeccompProfile.class, json, ctx);
    policies = namesOf(CapabilityPolicy.class, json, ctx);
    recordings = phasesOfRecordings(json, ctx);
    return List.of(profiles, policies, recordings);
  }

  /**
   * A view of the recordings that keeps names and phases: a recording's coming, going, or turning
   * Completed wakes its namespace.
   */
  private static InformerEventSource<ProfileRecording, Namespace> phasesOfRecordings(
      KubernetesSerialization json, EventSourceContext<Namespace> ctx) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ProfileRecording.class, Namespace.class)
            .withName("ProfileRecording-phases")
            .withInformerListLimit(OperatorSettings.LIST_PAGE)
            .withItemStore(
                new ReducedStateItemStore<>(
                    ReducedStateItemStore.NAME_KEY_STATE,
                    ProfileRecording.class,
                    json,
                    "status.phase"))
            .withOnUpdateFilter((now, before) -> recording(now) != recording(before))
            .withSecondaryToPrimaryMapper(
                o -> Set.of(new ResourceID(o.getMetadata().getNamespace())))
            .withPrimaryToSecondaryMapper(ns -> Set.of())
            .build(),
        ctx);
  }

  /**
   * A recording needs the webhook until it is Completed: the webhook gives its pods the recording
   * profile and the annotation by which the recorder counts them (a Failed recording goes on once
   * its cause is fixed).
   */
  static boolean recording(ProfileRecording r) {
    return r.getStatus() == null || r.getStatus().getPhase() != RecordingPhase.Completed;
  }

  /**
   * A view of one kind that keeps names only; an object's coming or going wakes its namespace, and
   * its updates do not.
   */
  private static <R extends HasMetadata> InformerEventSource<R, Namespace> namesOf(
      Class<R> kind, KubernetesSerialization json, EventSourceContext<Namespace> ctx) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(kind, Namespace.class)
            .withName(kind.getSimpleName() + "-names")
            .withInformerListLimit(OperatorSettings.LIST_PAGE)
            .withItemStore(namesStore(kind, json))
            .withOnUpdateFilter((now, before) -> false)
            .withSecondaryToPrimaryMapper(
                o -> Set.of(new ResourceID(o.getMetadata().getNamespace())))
            .withPrimaryToSecondaryMapper(ns -> Set.of())
            .build(),
        ctx);
  }

  static <R extends HasMetadata> ItemStore<R> namesStore(
      Class<R> kind, KubernetesSerialization json) {
    return new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, kind, json);
  }

  @Override
  public UpdateControl<Namespace> reconcile(Namespace namespace, Context<Namespace> ctx) {
    String name = namespace.getMetadata().getName();
    Map<String, String> labels = namespace.getMetadata().getLabels();
    PolicyNamespaces.Change change = scope.rule().change(name, labels, holdsPolicies(name));
    try {
      switch (change) {
        case ADD -> {
          setLabel(ctx.getClient(), name, PolicyNamespaces.VALUE);
          LOG.info(
              "namespace {} labelled {}={}", name, PolicyNamespaces.LABEL, PolicyNamespaces.VALUE);
          scope.labelled(name);
        }
        case REMOVE -> {
          // Before the write: from here on, no status of this namespace turns ready on this label.
          scope.unlabelled(name);
          if (!scope.rule().exempt(name) && stillHoldsPolicies(ctx.getClient(), name)) {
            // The views have not seen a profile or policy the API server has: its event follows.
            scope.labelled(name);
          } else {
            setLabel(ctx.getClient(), name, null);
            LOG.info("namespace {}: label {} removed", name, PolicyNamespaces.LABEL);
          }
        }
        case NONE -> {
          if (PolicyNamespaces.labelled(labels)) {
            scope.labelled(name);
          } else {
            scope.unlabelled(name);
          }
        }
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        scope.forget(name);
        return UpdateControl.noUpdate();
      }
      LOG.warn(
          "namespace {}: could not write label {}: {}",
          name,
          PolicyNamespaces.LABEL,
          e.getMessage());
      if (change == PolicyNamespaces.Change.ADD) {
        scope.failed(name, "the operator could not label it (" + cause(e) + ")");
      }
      return UpdateControl.<Namespace>noUpdate().rescheduleAfter(RETRY);
    }
    return UpdateControl.noUpdate();
  }

  private boolean holdsPolicies(String namespace) {
    return profiles.list(namespace, p -> true).findAny().isPresent()
        || policies.list(namespace, p -> true).findAny().isPresent()
        || recordings.list(namespace, PolicyNamespaceReconciler::recording).findAny().isPresent();
  }

  /** Asks the API server, one object of each kind at most. */
  private static boolean stillHoldsPolicies(KubernetesClient client, String namespace) {
    return !client
            .resources(SeccompProfile.class)
            .inNamespace(namespace)
            .list(new ListOptionsBuilder().withLimit(1L).build())
            .getItems()
            .isEmpty()
        || !client
            .resources(CapabilityPolicy.class)
            .inNamespace(namespace)
            .list(new ListOptionsBuilder().withLimit(1L).build())
            .getItems()
            .isEmpty()
        || client
            .resources(ProfileRecording.class)
            .inNamespace(namespace)
            .list()
            .getItems()
            .stream()
            .anyMatch(PolicyNamespaceReconciler::recording);
  }

  /**
   * A merge patch of this one label (null removes it): the namespace's other labels, and the fields
   * other tools own, are left alone.
   */
  private static void setLabel(KubernetesClient client, String namespace, String value) {
    String quoted = value == null ? "null" : "\"" + value + "\"";
    client
        .namespaces()
        .withName(namespace)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"labels\":{\"" + PolicyNamespaces.LABEL + "\":" + quoted + "}}}");
  }

  private static String cause(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getMessage() != null
        ? e.getStatus().getMessage()
        : e.getMessage();
  }
}
