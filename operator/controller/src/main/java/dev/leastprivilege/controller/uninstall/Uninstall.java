package dev.leastprivilege.controller.uninstall;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.OperatorSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the product out of a cluster so that nothing is left stuck: run by the chart's {@code
 * pre-delete} hook before Helm deletes the release's objects, or by hand (docs/install.md). Every
 * step is idempotent, so a second run after a failed one finishes the job. In this order:
 *
 * <ol>
 *   <li>delete the release's MutatingWebhookConfiguration, so that no pod creation is sent to a
 *       webhook that is about to stop (with {@code failurePolicy: Fail} it would be refused);
 *   <li>scale the release's Deployments to 0 and wait until their pods are gone: an operator that
 *       runs would put back every finalizer removed below;
 *   <li>delete the release's DaemonSets, without waiting for their pods: an agent keeps its files
 *       when a ConfigMap is deleted without a tombstone (files that running pods use must stay),
 *       and the agent pod of a node that is down stays Terminating until the node returns, which
 *       must not hold the uninstall up;
 *   <li>remove this product's finalizers from every SeccompProfile and CapabilityPolicy, so that
 *       deleting them, their namespaces or the CRDs finishes without an operator;
 *   <li>delete the rendered-profile ConfigMaps, the leader Lease and the webhook Secret that the
 *       operator made in the release namespace (Helm knows nothing of them);
 *   <li>remove the {@link ApiNames#HAS_POLICIES_LABEL} label the operator put on namespaces.
 * </ol>
 *
 * Profile files stay on the nodes: pods that run keep using them. The profiles and policies stay
 * too (they are the user's), now without a finalizer, until the CRDs are deleted.
 */
public final class Uninstall {
  private static final Logger LOG = LoggerFactory.getLogger(Uninstall.class);
  private static final Duration POLL = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final UninstallSettings settings;
  private final Clock clock;
  private final Instant deadline;

  /** What one run did, for its log and for tests. */
  public record Result(
      List<String> stoppedDeployments,
      List<String> deletedDaemonSets,
      int finalizersRemoved,
      int configMapsDeleted,
      int namespacesUnlabelled) {}

  public Uninstall(KubernetesClient client, UninstallSettings settings, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
    this.deadline = clock.instant().plus(settings.timeout());
  }

  public Result run() {
    String ns = settings.namespace();
    LOG.info(
        "uninstalling the release whose objects in {} carry {} (at most {} s)",
        ns,
        settings.releaseSelector(),
        settings.timeout().toSeconds());
    deleteWebhookConfiguration();
    List<String> deployments = stopDeployments();
    List<String> daemonSets = stopDaemonSets();
    int finalizers =
        removeFinalizers(HasMetadata.getKind(SeccompProfile.class))
            + removeFinalizers(HasMetadata.getKind(CapabilityPolicy.class));
    int configMaps = deleteRenderedConfigMaps();
    deleteNamed(
        "Lease",
        () -> client.leases().inNamespace(ns).withName(OperatorSettings.LEASE_NAME).delete());
    if (!settings.webhookSecret().isEmpty()) {
      deleteNamed(
          "Secret " + settings.webhookSecret(),
          () -> client.secrets().inNamespace(ns).withName(settings.webhookSecret()).delete());
    }
    int namespaces = removeNamespaceLabels();
    Result result = new Result(deployments, daemonSets, finalizers, configMaps, namespaces);
    LOG.info(
        "done: stopped Deployments {}, deleted DaemonSets {}, removed {} finalizers, deleted {}"
            + " rendered-profile ConfigMaps, unlabelled {} namespaces; profile files stay on the"
            + " nodes (docs/install.md says how to remove them)",
        deployments,
        daemonSets,
        finalizers,
        configMaps,
        namespaces);
    return result;
  }

  private void deleteWebhookConfiguration() {
    String name = settings.webhookConfiguration();
    if (name.isEmpty()) {
      return;
    }
    deleteNamed(
        "MutatingWebhookConfiguration " + name,
        () ->
            client
                .admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(name)
                .delete());
  }

  private List<String> stopDeployments() {
    List<String> names = new ArrayList<>();
    List<LabelSelector> selectors = new ArrayList<>();
    for (Deployment d :
        client
            .apps()
            .deployments()
            .inNamespace(settings.namespace())
            .withLabelSelector(settings.releaseSelector())
            .list()
            .getItems()) {
      String name = d.getMetadata().getName();
      var resource = client.apps().deployments().inNamespace(settings.namespace()).withName(name);
      // Through the scale subresource: the hook may change a Deployment's size, not its pods.
      Scale scale = resource.scale();
      if (scale.getSpec().getReplicas() == null || scale.getSpec().getReplicas() != 0) {
        scale.getSpec().setReplicas(0);
        resource.scale(scale);
      }
      LOG.info("scaled Deployment {} to 0", name);
      names.add(name);
      selectors.add(d.getSpec().getSelector());
    }
    awaitNoPods("the operator's", selectors);
    return names;
  }

  private List<String> stopDaemonSets() {
    List<String> names = new ArrayList<>();
    for (DaemonSet d :
        client
            .apps()
            .daemonSets()
            .inNamespace(settings.namespace())
            .withLabelSelector(settings.releaseSelector())
            .list()
            .getItems()) {
      String name = d.getMetadata().getName();
      client.apps().daemonSets().inNamespace(settings.namespace()).withName(name).delete();
      LOG.info("deleted DaemonSet {} (its files stay on the nodes)", name);
      names.add(name);
    }
    return names;
  }

  private void awaitNoPods(String whose, List<LabelSelector> selectors) {
    while (true) {
      List<String> left = new ArrayList<>();
      for (LabelSelector selector : selectors) {
        for (Pod pod :
            client
                .pods()
                .inNamespace(settings.namespace())
                .withLabelSelector(selector)
                .list()
                .getItems()) {
          left.add(pod.getMetadata().getName());
        }
      }
      if (left.isEmpty()) {
        LOG.info("{} pods are gone", whose);
        return;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new IllegalStateException(
            whose
                + " pods "
                + left
                + " were still there after "
                + settings.timeout().toSeconds()
                + " s; see why with kubectl -n "
                + settings.namespace()
                + " describe pod, then run the uninstall again");
      }
      sleep();
    }
  }

  /** Removes our finalizers from every object of the kind, in every namespace. */
  private int removeFinalizers(String kind) {
    List<GenericKubernetesResource> objects;
    try {
      objects =
          client
              .genericKubernetesResources(ApiNames.API_VERSION, kind)
              .inAnyNamespace()
              .list()
              .getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        LOG.info("no {} resource in this cluster (its CRD is gone): no finalizer to remove", kind);
        return 0;
      }
      throw e;
    }
    int removed = 0;
    for (GenericKubernetesResource object : objects) {
      removed += removeFinalizers(kind, object);
    }
    LOG.info("removed {} finalizers from {} {} objects", removed, objects.size(), kind);
    return removed;
  }

  private int removeFinalizers(String kind, GenericKubernetesResource object) {
    String where =
        kind + " " + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    List<String> finalizers = object.getMetadata().getFinalizers();
    List<Integer> positions = ProductFinalizers.positionsLastFirst(finalizers);
    if (positions.isEmpty()) {
      return 0;
    }
    // A JSON patch that tests each value before removing it: if another controller changed the list
    // meanwhile, the API server refuses the whole patch and nothing of theirs is removed.
    StringBuilder patch = new StringBuilder("[");
    for (int i : positions) {
      String path = "/metadata/finalizers/" + i;
      patch
          .append("{\"op\":\"test\",\"path\":\"")
          .append(path)
          .append("\",\"value\":\"")
          .append(finalizers.get(i))
          .append("\"},{\"op\":\"remove\",\"path\":\"")
          .append(path)
          .append("\"},");
    }
    patch.setCharAt(patch.length() - 1, ']');
    try {
      client
          .genericKubernetesResources(ApiNames.API_VERSION, kind)
          .inNamespace(object.getMetadata().getNamespace())
          .withName(object.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), patch.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return 0; // deleted meanwhile
      }
      if (e.getCode() == 422) {
        // Changed meanwhile: read it again, once.
        GenericKubernetesResource again =
            client
                .genericKubernetesResources(ApiNames.API_VERSION, kind)
                .inNamespace(object.getMetadata().getNamespace())
                .withName(object.getMetadata().getName())
                .get();
        return again == null ? 0 : removeFinalizers(kind, again);
      }
      throw e;
    }
    LOG.info("removed finalizer(s) from {}", where);
    return positions.size();
  }

  private int deleteRenderedConfigMaps() {
    int deleted = 0;
    for (ConfigMap cm :
        client
            .configMaps()
            .inNamespace(settings.namespace())
            .withLabel(RenderedProfileConfigMap.COMPONENT_LABEL, RenderedProfileConfigMap.COMPONENT)
            .list()
            .getItems()) {
      client
          .configMaps()
          .inNamespace(settings.namespace())
          .withName(cm.getMetadata().getName())
          .delete();
      deleted++;
    }
    LOG.info("deleted {} rendered-profile ConfigMaps in {}", deleted, settings.namespace());
    return deleted;
  }

  private int removeNamespaceLabels() {
    String key = ApiNames.HAS_POLICIES_LABEL;
    String pointer = "/metadata/labels/" + key.replace("~", "~0").replace("/", "~1");
    int removed = 0;
    for (Namespace ns : client.namespaces().withLabel(key).list().getItems()) {
      String value = ns.getMetadata().getLabels().get(key);
      try {
        client
            .namespaces()
            .withName(ns.getMetadata().getName())
            .patch(
                PatchContext.of(PatchType.JSON),
                "[{\"op\":\"test\",\"path\":\""
                    + pointer
                    + "\",\"value\":\""
                    + value
                    + "\"},{\"op\":\"remove\",\"path\":\""
                    + pointer
                    + "\"}]");
        removed++;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND && e.getCode() != 422) {
          throw e;
        }
      }
    }
    LOG.info("removed the label {} from {} namespaces", key, removed);
    return removed;
  }

  private static void deleteNamed(String what, Runnable delete) {
    delete.run();
    LOG.info("deleted {} (if it was there)", what);
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
