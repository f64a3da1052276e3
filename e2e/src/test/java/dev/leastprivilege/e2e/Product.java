package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** The product, installed once per run with `helm install` of the chart, from the locally built image. */
final class Product {
  static final String NAMESPACE = "least-privilege-system";
  static final String RELEASE = "least-privilege-operator";
  private static boolean installed;
  /** Set when installing failed, so later scenario classes fail at once instead of waiting again. */
  private static RuntimeException failure;

  private Product() {}

  static synchronized Cluster installed() {
    Cluster cluster = Cluster.get();
    if (installed) {
      return cluster;
    }
    if (failure != null) {
      throw failure;
    }
    boolean present = Helm.list().withKubeConfig(cluster.kubeconfig()).withNamespace(NAMESPACE).call().stream()
        .anyMatch(r -> r.getName().equals(RELEASE));
    if (!present) {
      // As docs/install.md says: before Kubernetes 1.21 namespaces carry no kubernetes.io/metadata.name label,
      // so the release namespace opts out by label, or the webhook would be asked to admit its own pods.
      cluster.namespace(NAMESPACE, Map.of("leastprivilege.dev/ignore", "true"));
      var install = new Helm(Cluster.TOP.resolve("helm/least-privilege-operator")).install()
          .withName(RELEASE).withNamespace(NAMESPACE).withKubeConfig(cluster.kubeconfig());
      if (Files.exists(cluster.chartValues())) {
        install.withValuesFile(cluster.chartValues());
      }
      install.call();
    }
    try {
      awaitReady(cluster);
    } catch (RuntimeException e) {
      failure = new IllegalStateException("the product did not become ready:\n"
          + Diagnostics.describe(cluster, NAMESPACE), e);
      throw failure;
    }
    installed = true;
    return cluster;
  }

  private static void awaitReady(Cluster cluster) {
    Deployment operator = cluster.client.apps().deployments().inNamespace(NAMESPACE).withName(RELEASE)
        .waitUntilCondition(d -> d != null && d.getStatus() != null
            && Objects.equals(d.getStatus().getReadyReplicas(), d.getSpec().getReplicas()), 4, TimeUnit.MINUTES);
    DaemonSet agent = cluster.client.apps().daemonSets().inNamespace(NAMESPACE).withName(RELEASE + "-agent")
        .waitUntilCondition(d -> d != null && d.getStatus() != null && d.getStatus().getDesiredNumberScheduled() > 0
            && d.getStatus().getNumberReady().equals(d.getStatus().getDesiredNumberScheduled()), 4, TimeUnit.MINUTES);
    assertTrue(operator.getStatus().getReadyReplicas() >= 1 && agent.getStatus().getNumberReady() >= 1);
  }
}
