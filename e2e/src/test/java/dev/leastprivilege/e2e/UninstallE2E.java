package dev.leastprivilege.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * `helm uninstall` leaves nothing stuck (docs/install.md, Uninstall). With the operator gone, its
 * finalizers would keep every profile, the namespaces that hold them and the CRDs from being
 * deleted; the chart's pre-delete hook removes them first. The last class of the run: it uninstalls
 * the product that every other class used, and so deletes what they left too.
 */
@ExtendWith(Product.class)
@Order(Integer.MAX_VALUE)
class UninstallE2E {
  private static final String NS = "uninstall";
  private static final String FILE = "leastprivilege/" + NS + "/kept.json";

  /** What a user would wait for, at most: the operator and the agents get 30 s each to stop. */
  private static final Duration BOUND = Duration.ofMinutes(2);

  @Test
  void helmUninstallThenDeletingTheCrdsAndANamespaceWithProfilesFinishes(
      Cluster cluster, Product.Installation product) {
    KubernetesClient client = cluster.client;
    NodeFiles node = new NodeFiles(cluster);
    TestPods pods = new TestPods(client);
    cluster.namespace(NS, Map.of());
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: SeccompProfile
            metadata: {name: kept, namespace: uninstall}
            spec:
              defaultAction: SCMP_ACT_ALLOW
              syscalls: [{names: [chmod], action: SCMP_ACT_ERRNO, errnoRet: 1}]
              podSelector: {matchLabels: {app: kept}}
            """));
    cluster.apply(
        cluster.load(
            CapabilityPolicy.class,
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: CapabilityPolicy
            metadata: {name: drop-all, namespace: uninstall}
            spec:
              drop: [ALL]
            """));
    cluster.awaitInstalled(NS, "kept");
    // A recording that is recording when the product goes: it, its recording profile and the
    // CRDs must go too.
    new Recordings(cluster).allowedNamespace(NS);
    new Recordings(cluster)
        .start(
            """
            apiVersion: leastprivilege.dev/v1alpha1
            kind: ProfileRecording
            metadata: {name: kept-recording, namespace: uninstall}
            spec:
              podSelector: {matchLabels: {app: recorded}}
            """);
    Pod user =
        pods.create(
            TestPods.pod(NS, "kept-user", Map.of("app", "kept"), null, "sleep", "3600").build());
    assertEquals(
        FILE,
        user.getSpec()
            .getContainers()
            .get(0)
            .getSecurityContext()
            .getSeccompProfile()
            .getLocalhostProfile());
    client.pods().resource(user).waitUntilReady(2, TimeUnit.MINUTES);
    assertTrue(
        finalizers(client, SeccompProfile.class).stream().anyMatch(f -> f.contains(NS + "/kept")),
        "the operator holds the profile with its finalizer: "
            + finalizers(client, SeccompProfile.class));

    // As a user uninstalls: helm uninstall (its hooks on), then the CRDs, then a namespace.
    product.uninstall();
    assertNotNull(node.read(FILE), "the file of a profile a running pod uses stays on the node");

    List<String> crds =
        client.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
            .filter(crd -> crd.getSpec().getGroup().equals(ApiNames.GROUP))
            .map(crd -> crd.getMetadata().getName())
            .toList();
    assertEquals(chartCrds(), crds.size(), crds::toString);
    crds.forEach(
        name -> client.apiextensions().v1().customResourceDefinitions().withName(name).delete());
    client.namespaces().withName(NS).delete();
    awaitNothingLeft(
        "the CRDs and the namespace " + NS + " are deleted",
        () -> {
          List<String> left = new ArrayList<>();
          for (String name : crds) {
            if (client.apiextensions().v1().customResourceDefinitions().withName(name).get()
                != null) {
              left.add("CRD " + name);
            }
          }
          if (client.namespaces().withName(NS).get() != null) {
            left.add("namespace " + NS);
          }
          if (!left.isEmpty()) {
            left.add(
                "finalizers: "
                    + finalizers(client, SeccompProfile.class)
                    + finalizers(client, CapabilityPolicy.class)
                    + finalizers(client, ProfileRecording.class));
          }
          return left;
        });

    awaitNothingLeft("nothing of the product is left", () -> productObjects(client));
  }

  /**
   * Every object of the product in the cluster: the release's, the hook's, what the operator made
   * in the release namespace, and its label on namespaces.
   */
  private static List<String> productObjects(KubernetesClient client) {
    String release = "app.kubernetes.io/instance";
    List<String> left = new ArrayList<>();
    var ns = Product.NAMESPACE;
    add(left, client.apps().deployments().inNamespace(ns).list().getItems());
    add(left, client.apps().daemonSets().inNamespace(ns).list().getItems());
    add(left, client.batch().v1().jobs().inNamespace(ns).list().getItems());
    add(left, client.pods().inNamespace(ns).list().getItems());
    add(left, client.services().inNamespace(ns).list().getItems());
    add(left, client.leases().inNamespace(ns).list().getItems());
    add(left, client.rbac().roles().inNamespace(ns).list().getItems());
    add(left, client.rbac().roleBindings().inNamespace(ns).list().getItems());
    add(
        left,
        client.serviceAccounts().inNamespace(ns).list().getItems().stream()
            .filter(sa -> !sa.getMetadata().getName().equals("default"))
            .toList());
    add(
        left,
        client.configMaps().inNamespace(ns).list().getItems().stream()
            .filter(cm -> !cm.getMetadata().getName().equals("kube-root-ca.crt"))
            .toList());
    // The default account's token is the namespace's own; any other Secret is the product's.
    add(
        left,
        client.secrets().inNamespace(ns).list().getItems().stream()
            .filter(
                s ->
                    s.getMetadata().getAnnotations() == null
                        || !"default"
                            .equals(
                                s.getMetadata()
                                    .getAnnotations()
                                    .get("kubernetes.io/service-account.name")))
            .toList());
    add(left, client.rbac().clusterRoles().withLabel(release, Product.RELEASE).list().getItems());
    add(
        left,
        client.rbac().clusterRoleBindings().withLabel(release, Product.RELEASE).list().getItems());
    add(
        left,
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .list()
            .getItems()
            .stream()
            .filter(w -> w.getMetadata().getName().startsWith(Product.RELEASE))
            .toList());
    add(left, client.namespaces().withLabel(ApiNames.HAS_POLICIES_LABEL).list().getItems());
    return left;
  }

  /** How many CRDs the chart installs (its crds/ directory). */
  private static int chartCrds() {
    try (var files =
        java.nio.file.Files.list(Cluster.TOP.resolve("helm/least-privilege-operator/crds"))) {
      return (int) files.filter(f -> f.toString().endsWith(".yaml")).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void add(List<String> left, List<? extends HasMetadata> objects) {
    objects.forEach(o -> left.add(o.getKind() + " " + o.getMetadata().getName()));
  }

  /** namespace/name: finalizers of every object of the kind; empty once its CRD is gone. */
  private static List<String> finalizers(
      KubernetesClient client, Class<? extends HasMetadata> type) {
    try {
      return client
          .genericKubernetesResources(ApiNames.API_VERSION, HasMetadata.getKind(type))
          .inAnyNamespace()
          .list()
          .getItems()
          .stream()
          .filter(o -> !o.getMetadata().getFinalizers().isEmpty())
          .map(UninstallE2E::describe)
          .toList();
    } catch (KubernetesClientException e) {
      return List.of();
    }
  }

  private static String describe(GenericKubernetesResource o) {
    return o.getKind()
        + " "
        + o.getMetadata().getNamespace()
        + "/"
        + o.getMetadata().getName()
        + " "
        + o.getMetadata().getFinalizers()
        + (o.getMetadata().getDeletionTimestamp() == null ? "" : " (deleting)");
  }

  /** Until nothing is left; past {@link #BOUND}, fails with what still is. */
  private static void awaitNothingLeft(String what, Supplier<List<String>> left) {
    await(what)
        .atMost(BOUND)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertEquals(List.of(), left.get(), what + " within " + BOUND.toSeconds() + " s"));
  }
}
