package dev.leastprivilege.controller;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** The product on a real API server: the operator and agents in this JVM, nodes as Node objects. */
final class Cluster {
  static final String OPERATOR_NS = "lpo-system";
  final KubernetesClient client;
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  Cluster(KubernetesClient client) {
    this.client = client;
  }

  void namespace(String name) {
    client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
    // No controller-manager runs, so nobody else creates the default ServiceAccount pods need.
    client.resource(new ServiceAccountBuilder().withNewMetadata().withName("default").withNamespace(name)
        .endMetadata().build()).serverSideApply();
  }

  void node(String name) {
    client.resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).serverSideApply();
  }

  /** The product's assembly (LeastPrivilegeOperator), without the webhook and the health port. */
  Operator startOperator() {
    try {
      return operator().build().start().operator();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The product's assembly with its webhook, served on {@code bind}. */
  LeastPrivilegeOperator startOperator(WebhookSettings webhook, InetSocketAddress bind) throws Exception {
    return operator().webhook(webhook, bind).build().start();
  }

  private LeastPrivilegeOperator.Builder operator() {
    return LeastPrivilegeOperator.builder(client, new OperatorSettings(OPERATOR_NS, false, false)
        .withPodRecount(Duration.ofSeconds(2))).registry(registry);
  }

  Agent startAgent(String node, Path root) throws Exception {
    Agent agent = new Agent(client, new AgentConfig(node, OPERATOR_NS, root, Duration.ofMillis(100)));
    agent.start();
    return agent;
  }

  SeccompProfile profile(String ns, String name) {
    return client.resources(SeccompProfile.class).inNamespace(ns).withName(name).get();
  }
}
