package dev.leastprivilege.cli.local;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.LeastPrivilegeOperator;
import dev.leastprivilege.controller.OperatorSettings;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;

/**
 * The whole product on one machine, in this process: an in-memory Kubernetes API (fabric8's CRUD server; no
 * server-side apply, no admission, which is why local mode checks the schema itself before applying), the
 * operator, and one agent writing under a local kubelet root.
 */
public final class LocalCluster implements AutoCloseable {
  public static final String NODE = "local-node";
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Operator operator;
  private final Agent agent;

  private LocalCluster(KubernetesMockServer server, KubernetesClient client, Operator operator, Agent agent) {
    this.server = server;
    this.client = client;
    this.operator = operator;
    this.agent = agent;
  }

  public static LocalCluster start(Path kubeletSeccompRoot) throws Exception {
    List<CustomResourceDefinitionContext> crds = List.of(
        CustomResourceDefinitionContext.fromCustomResourceType(SeccompProfile.class),
        CustomResourceDefinitionContext.fromCustomResourceType(CapabilityPolicy.class),
        CustomResourceDefinitionContext.fromCustomResourceType(NodeProfileStatus.class));
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(crds), true);
    server.init();
    KubernetesClient client = server.createClient();
    String ns = OperatorSettings.DEFAULT_NAMESPACE;
    client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    client.resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).create();
    Operator operator = LeastPrivilegeOperator.create(client, new OperatorSettings(ns, false, false),
        new SimpleMeterRegistry());
    operator.start();
    Agent agent = new Agent(client, new AgentConfig(NODE, ns, kubeletSeccompRoot, Duration.ofMillis(50)));
    agent.start();
    return new LocalCluster(server, client, operator, agent);
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    agent.close();
    operator.stop();
    client.close();
    server.destroy();
  }
}
