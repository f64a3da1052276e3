package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The product, installed once per run with `helm install` of the chart, from the locally built
 * image: the fixture every scenario class shares ({@code @ExtendWith(Product.class)}). Whichever
 * class runs first installs it, so any class runs alone or in any order; the others find the
 * installation in JUnit's root store and get the {@link Cluster} it is in as a parameter. When the
 * whole run ends, the root store closes the installation, and closing it checks the product after
 * every scenario has worked it: nothing restarted and no call was refused ({@link
 * #assertNoRestartsOrForbiddenCalls}). A failure there fails the run.
 *
 * <p>{@link UninstallE2E} runs last (junit-platform.properties orders classes by {@code @Order}):
 * it makes that check itself, then uninstalls the product ({@link Installation#uninstall}); a class
 * that asked for the product after it would install it again.
 */
final class Product implements BeforeAllCallback, ParameterResolver {
  static final String NAMESPACE = "least-privilege-system";
  static final String RELEASE = "least-privilege-operator";
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(Product.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    installation(context).cluster();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Cluster.class || type == Installation.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Installation installation = installation(context);
    return parameter.getParameter().getType() == Installation.class
        ? installation
        : installation.cluster();
  }

  private static Installation installation(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(STORE)
        .getOrComputeIfAbsent(Installation.class, type -> new Installation(), Installation.class);
  }

  /**
   * The operator, webhook and agent pods have never restarted, and no log line says the API server
   * refused them a call. The chart's RBAC is tested rule by rule in helm/; this is where a missing
   * rule shows, because the real API server refuses the call.
   */
  static void assertNoRestartsOrForbiddenCalls(Cluster cluster) {
    List<Pod> pods = cluster.client.pods().inNamespace(NAMESPACE).list().getItems();
    assertFalse(pods.isEmpty());
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      pod.getStatus()
          .getContainerStatuses()
          .forEach(
              c ->
                  assertEquals(
                      0,
                      c.getRestartCount(),
                      () -> name + " restarted:\n" + Diagnostics.describe(cluster, NAMESPACE)));
      // Every container: the agent's pods hold the recorder beside the agent.
      for (var container : pod.getSpec().getContainers()) {
        String log = cluster.client.pods().resource(pod).inContainer(container.getName()).getLog();
        assertFalse(
            log.contains("is forbidden"),
            () -> name + "/" + container.getName() + " was refused a call:\n" + log);
      }
    }
  }

  /** The product in the cluster, once per run; closed by JUnit when the run ends. */
  static final class Installation implements AutoCloseable {
    private Cluster cluster;

    /**
     * Set when installing failed, so later scenario classes fail at once instead of waiting again.
     */
    private RuntimeException failure;

    synchronized Cluster cluster() {
      if (cluster != null) {
        return cluster;
      }
      if (failure != null) {
        throw failure;
      }
      Cluster installing = Cluster.get();
      try {
        install(installing);
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
      cluster = installing;
      return cluster;
    }

    /**
     * After the last scenario class: the whole run, whichever classes ran and in whatever order.
     */
    @Override
    public synchronized void close() {
      if (cluster != null) {
        assertNoRestartsOrForbiddenCalls(cluster);
      }
    }

    /**
     * The check {@link #close} would make after the whole run, then {@code helm uninstall} with its
     * hooks, as a user runs it. Afterwards the product is not installed; {@link #cluster} installs
     * it again if a class asks for it.
     */
    synchronized void uninstall() {
      Cluster installed = cluster();
      assertNoRestartsOrForbiddenCalls(installed);
      Helm.uninstall(RELEASE)
          .withKubeConfig(installed.kubeconfig())
          .withNamespace(NAMESPACE)
          .call();
      cluster = null;
    }

    private static void install(Cluster cluster) {
      boolean present =
          Helm.list().withKubeConfig(cluster.kubeconfig()).withNamespace(NAMESPACE).call().stream()
              .anyMatch(r -> r.getName().equals(RELEASE));
      if (!present) {
        // As docs/install.md says: before Kubernetes 1.21 namespaces carry no
        // kubernetes.io/metadata.name label,
        // so the release namespace opts out by label, or the webhook would be asked to admit its
        // own pods.
        cluster.namespace(NAMESPACE, Map.of("leastprivilege.dev/ignore", "true"));
        var install =
            new Helm(Cluster.TOP.resolve("helm/least-privilege-operator"))
                .install()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeConfig(cluster.kubeconfig());
        if (Files.exists(cluster.chartValues())) {
          install.withValuesFile(cluster.chartValues());
        }
        // The recorder on every node, from the first install: RecordingE2E records with it, and
        // every other scenario runs beside it, so the check after the run covers it too (no
        // restart, no refused call). Installing it later would roll the agents mid-run.
        install.set("recorder.enabled", "true");
        install.call();
      }
      try {
        awaitReady(cluster);
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "the product did not become ready:\n" + Diagnostics.describe(cluster, NAMESPACE), e);
      }
    }

    private static void awaitReady(Cluster cluster) {
      Deployment operator = awaitDeployment(cluster, RELEASE);
      // The webhook runs in a Deployment of its own: pods are admitted once it is ready.
      Deployment webhook = awaitDeployment(cluster, RELEASE + "-webhook");
      DaemonSet agent =
          cluster
              .client
              .apps()
              .daemonSets()
              .inNamespace(NAMESPACE)
              .withName(RELEASE + "-agent")
              .waitUntilCondition(
                  d ->
                      d != null
                          && d.getStatus() != null
                          && d.getStatus().getDesiredNumberScheduled() > 0
                          && d.getStatus()
                              .getNumberReady()
                              .equals(d.getStatus().getDesiredNumberScheduled()),
                  4,
                  TimeUnit.MINUTES);
      assertTrue(
          operator.getStatus().getReadyReplicas() >= 1
              && webhook.getStatus().getReadyReplicas() >= 1
              && agent.getStatus().getNumberReady() >= 1);
    }

    /** The Deployment once all its replicas are ready. */
    private static Deployment awaitDeployment(Cluster cluster, String name) {
      return cluster
          .client
          .apps()
          .deployments()
          .inNamespace(NAMESPACE)
          .withName(name)
          .waitUntilCondition(
              d ->
                  d != null
                      && d.getStatus() != null
                      && Objects.equals(
                          d.getStatus().getReadyReplicas(), d.getSpec().getReplicas()),
              4,
              TimeUnit.MINUTES);
    }
  }
}
