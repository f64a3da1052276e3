package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The product on a real API server, as a JUnit 5 extension: one kube-apiserver (with its etcd) per
 * test class, the operator and agents in this JVM, nodes as Node objects, and, when asked, the
 * webhook registered with the API server. A test that declares a {@code @TestNamespace String}
 * parameter gets a namespace of its own, so tests that share the server do not depend on each
 * other.
 *
 * <p>Everything is stopped after the class, most recent first, by a {@link Closer} that each part
 * joins as soon as it has started: a set-up that fails halfway stops what it had started and leaves
 * no process behind. What a test starts itself it hands to {@link #closeAfterTest}.
 *
 * <p>One server per class, not per suite: the operator, the agents' NodeProfileStatus objects and
 * the webhook's MutatingWebhookConfiguration are cluster-wide, so the classes' operators would
 * reconcile each other's profiles and a class's {@code failurePolicy: Fail} webhook would refuse
 * the next class's pods. A server starts in about 8 seconds.
 */
final class Cluster implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
  static final String OPERATOR_NS = "lpo-system";
  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(Cluster.class);
  private static final Duration WEBHOOK_READY = Duration.ofSeconds(30);

  /** A namespace of its own for the test that declares the parameter, created on first use. */
  @Target(ElementType.PARAMETER)
  @Retention(RetentionPolicy.RUNTIME)
  @interface TestNamespace {}

  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<String> nodes = new ArrayList<>();
  private boolean runOperator;
  private boolean runAgents;
  private boolean restartWorkloads;
  private String webhookConfigName;
  private IntFunction<String> webhookConfiguration;

  private final Closer classScope = new Closer();
  private Closer testScope = new Closer();
  private final AtomicInteger namespaces = new AtomicInteger();
  private RealApiServer api;
  KubernetesClient client;
  private Path dir;
  private Kubectl kubectl;
  private Operator operator;

  /**
   * The product with its webhook, when the class asked for one: the operator is then part of it.
   */
  private LeastPrivilegeOperator product;

  private final Map<String, Agent> agents = new LinkedHashMap<>();
  private Webhook webhook;

  /** These nodes, as Node objects (no kubelet). */
  Cluster nodes(String... names) {
    nodes.addAll(Arrays.asList(names));
    return this;
  }

  /** The operator, as {@link #startOperator()} assembles it, for the whole class. */
  Cluster operator() {
    runOperator = true;
    return this;
  }

  /**
   * Let {@code restartNonCompliant} restart workloads, as the chart's {@code
   * operator.restartWorkloads=true} does; off by default, as in the chart.
   */
  Cluster restartWorkloads() {
    restartWorkloads = true;
    return this;
  }

  /** An agent on each node, with the node's own seccomp root under {@link #nodeRoot}. */
  Cluster agents() {
    runAgents = true;
    return this;
  }

  /**
   * The webhook on 127.0.0.1, with a self-managed CA that writes the caBundle of {@code
   * configName}: the MutatingWebhookConfiguration that {@code configuration} makes for the
   * webhook's port, applied with kubectl.
   */
  Cluster webhook(String configName, IntFunction<String> configuration) {
    this.webhookConfigName = configName;
    this.webhookConfiguration = configuration;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    // The class's store closes what it holds after the class, whatever happened before.
    context.getStore(STORE).put(Closer.class, classScope);
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    testScope = new Closer();
    context.getStore(STORE).put(Closer.class, testScope);
  }

  /** Starts what the class asked for; on a failure, stops what had started and throws. */
  void start() throws Exception {
    try {
      dir = Files.createTempDirectory("lpo-it-");
      classScope.add(() -> deleteRecursively(dir));
      api = classScope.add(RealApiServer.start());
      client = classScope.add(api.client());
      namespace(OPERATOR_NS);
      nodes.forEach(this::node);
      classScope.add(this::stopOperator);
      if (webhookConfiguration != null) {
        startWithWebhook();
      } else if (runOperator) {
        operator = startOperator();
      }
      classScope.add(() -> agents.keySet().stream().toList().forEach(this::stopAgent));
      if (runAgents) {
        for (String node : nodes) {
          restartAgent(node);
        }
      }
    } catch (Exception | Error e) {
      try {
        stop();
      } catch (Exception | Error teardown) {
        e.addSuppressed(teardown);
      }
      throw e;
    }
  }

  /** Stops everything the class started; the class's store does this after the class. */
  void stop() throws Exception {
    classScope.close();
  }

  /**
   * The operator and its webhook as production assembles them (LeastPrivilegeOperator), on
   * 127.0.0.1.
   */
  private void startWithWebhook() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Kubectl.Result r = kubectl().apply(webhookConfiguration.apply(port));
    if (r.exit() != 0) {
      throw new IllegalStateException("kubectl apply of " + webhookConfigName + ": " + r.err());
    }
    product =
        assembly()
            .webhook(
                new WebhookSettings(
                    port,
                    null,
                    "lpo-webhook-tls",
                    webhookConfigName,
                    List.of(),
                    List.of("127.0.0.1")),
                new InetSocketAddress("127.0.0.1", port))
            .build()
            .start();
    operator = product.operator();
    webhook = product.webhook().orElseThrow();
    await("the webhook is ready").atMost(WEBHOOK_READY).until(webhook::ready);
  }

  KubernetesClient client() {
    return client;
  }

  RealApiServer api() {
    return api;
  }

  /** Debian's kubectl 1.20, configured for this API server. */
  Kubectl kubectl() throws IOException {
    if (kubectl == null) {
      kubectl = new Kubectl(api.kubeconfig(), dir);
    }
    return kubectl;
  }

  Webhook webhook() {
    return webhook;
  }

  /** A directory of the class's own, removed after the class. */
  Path dir() {
    return dir;
  }

  /** The seccomp root of this node's agent. */
  Path nodeRoot(String node) {
    return dir.resolve("nodes").resolve(node);
  }

  /** Stopped at the end of the current test, before the class's own parts. */
  <T extends AutoCloseable> T closeAfterTest(T resource) {
    return testScope.add(resource);
  }

  /** Stops the class's operator; {@link #restartOperator()} starts it again. */
  void stopOperator() {
    if (product != null) {
      product.close();
      product = null;
    } else if (operator != null) {
      operator.stop();
    }
    operator = null;
    webhook = null;
  }

  void restartOperator() {
    stopOperator();
    operator = startOperator();
  }

  /** Stops the node's agent; {@link #restartAgent} starts it again, on the same seccomp root. */
  void stopAgent(String node) {
    Agent agent = agents.remove(node);
    if (agent != null) {
      agent.close();
    }
  }

  void restartAgent(String node) throws Exception {
    stopAgent(node);
    agents.put(node, startAgent(node, nodeRoot(node)));
  }

  void namespace(String name) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
    // No controller-manager runs, so nobody else creates the default ServiceAccount pods need.
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("default")
                .withNamespace(name)
                .endMetadata()
                .build())
        .serverSideApply();
  }

  void node(String name) {
    client
        .resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /** The product's assembly (LeastPrivilegeOperator), without the webhook and the health port. */
  Operator startOperator() {
    try {
      return assembly().build().start().operator();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private LeastPrivilegeOperator.Builder assembly() {
    return LeastPrivilegeOperator.builder(
            client,
            new OperatorSettings(OPERATOR_NS, false, false).withPodRecount(Duration.ofSeconds(2)))
        .registry(registry)
        .restartWorkloads(restartWorkloads);
  }

  /**
   * An agent on the node, with its pod as the DaemonSet would have placed it there (the operator
   * counts the nodes that have one).
   */
  Agent startAgent(String node, Path root) throws Exception {
    AgentPods.place(client, OPERATOR_NS, node);
    Agent agent =
        new Agent(
            KubeApi.connect(client.getConfiguration()),
            new AgentConfig(node, OPERATOR_NS, root, Duration.ofMillis(100)));
    agent.start();
    return agent;
  }

  SeccompProfile profile(String ns, String name) {
    return client.resources(SeccompProfile.class).inNamespace(ns).withName(name).get();
  }

  /**
   * Server-side applies each object of a YAML stream ("---" between objects), each in its own
   * namespace.
   */
  void apply(String yaml) {
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.isBlank()) {
        client
            .resource(
                client
                    .getKubernetesSerialization()
                    .unmarshal(document, GenericKubernetesResource.class))
            .serverSideApply();
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.isAnnotated(TestNamespace.class)
        && parameter.getParameter().getType() == String.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getStore(STORE)
        .getOrComputeIfAbsent(
            TestNamespace.class,
            k -> {
              // The test's name, readable in kubectl output, and a number that keeps repeated tests
              // apart.
              String words =
                  context
                      .getRequiredTestMethod()
                      .getName()
                      .replaceAll("([a-z0-9])([A-Z])", "$1-$2")
                      .toLowerCase(java.util.Locale.ROOT);
              String name =
                  words.substring(0, Math.min(words.length(), 40)).replaceAll("-+$", "")
                      + "-"
                      + namespaces.incrementAndGet();
              namespace(name);
              return name;
            },
            String.class);
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
