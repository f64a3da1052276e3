package dev.leastprivilege.cli.local;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.LeastPrivilegeOperator;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.WebhookSettings;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole product on one machine, in this process: an in-memory Kubernetes API (fabric8's CRUD
 * server; no server-side apply, no admission, which is why local mode checks the schema itself
 * before applying and sends pods to the webhook itself), the operator, one agent writing under a
 * local kubelet root, and the webhook on 127.0.0.1 over HTTPS.
 */
public final class LocalCluster implements AutoCloseable {
  public static final String NODE = "local-node";
  private static final String LOOPBACK = "127.0.0.1";
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final LeastPrivilegeOperator operator;
  private final Agent agent;
  private final Path webhookCa;

  private LocalCluster(
      KubernetesMockServer server,
      KubernetesClient client,
      LeastPrivilegeOperator operator,
      Agent agent,
      Path webhookCa) {
    this.server = server;
    this.client = client;
    this.operator = operator;
    this.agent = agent;
    this.webhookCa = webhookCa;
  }

  /**
   * @param webhookDir where the webhook's CA and serving certificate are written (ca.crt is what a
   *     client trusts)
   * @param webhookPort the webhook's port on 127.0.0.1; 0 picks a free one
   */
  public static LocalCluster start(Path kubeletSeccompRoot, Path webhookDir, int webhookPort)
      throws Exception {
    List<CustomResourceDefinitionContext> crds =
        List.of(
            CustomResourceDefinitionContext.fromCustomResourceType(SeccompProfile.class),
            CustomResourceDefinitionContext.fromCustomResourceType(CapabilityPolicy.class),
            CustomResourceDefinitionContext.fromCustomResourceType(NodeProfileStatus.class),
            // The operator's recording reconciler and Audit-findings steps watch these too.
            CustomResourceDefinitionContext.fromCustomResourceType(ProfileRecording.class),
            CustomResourceDefinitionContext.fromCustomResourceType(NodeRecording.class));
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(crds),
            true);
    server.init();
    KubernetesClient client = server.createClient();
    String ns = OperatorSettings.DEFAULT_NAMESPACE;
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    client
        .resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
        .create();
    // The in-process agent, as the DaemonSet's pod would stand for it: the operator installs
    // profiles on the nodes where an agent pod is placed.
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("agent-" + NODE)
                .withNamespace(ns)
                .withLabels(Map.of(ApiNames.AGENT_POD_LABEL, "true"))
                .endMetadata()
                .withNewSpec()
                .withNodeName(NODE)
                .addNewContainer()
                .withName("agent")
                .withImage("in-process")
                .endContainer()
                .endSpec()
                .build())
        .create();
    Path ca = writeCertificates(webhookDir);
    // The operator's own assembly, as its Deployment runs it, with local settings: no leader
    // election, no health
    // port, and the webhook on 127.0.0.1 with the certificates above.
    LeastPrivilegeOperator operator =
        LeastPrivilegeOperator.builder(client, new OperatorSettings(ns, false, false))
            .webhook(
                new WebhookSettings(webhookPort, webhookDir, null, null, List.of(), List.of()),
                new InetSocketAddress(LOOPBACK, webhookPort))
            .build()
            .start();
    Agent agent =
        new Agent(
            // fabric8's mock server watches over WebSocket only.
            KubeApi.connectWatchingOverWebSocket(client.getConfiguration()),
            new AgentConfig(NODE, ns, kubeletSeccompRoot, Duration.ofMillis(50)));
    agent.start();
    return new LocalCluster(server, client, operator, agent, ca);
  }

  /**
   * A fresh CA and a serving certificate for 127.0.0.1 and localhost, as files the webhook reads.
   */
  private static Path writeCertificates(Path dir) throws java.io.IOException {
    Files.createDirectories(dir);
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("lpo local webhook CA");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of("localhost"), List.of(LOOPBACK));
    Files.writeString(dir.resolve("tls.crt"), serving.certificate() + ca.certificate());
    Files.writeString(dir.resolve("tls.key"), serving.privateKey());
    Files.writeString(dir.resolve("ca.crt"), ca.certificate());
    return dir.resolve("ca.crt").toAbsolutePath();
  }

  /** The webhook's URL, as a MutatingWebhookConfiguration's clientConfig.url would name it. */
  public URI webhookUrl() {
    return URI.create(
        "https://" + LOOPBACK + ":" + operator.webhook().orElseThrow().port() + WebhookServer.PATH);
  }

  /** The CA certificate a client must trust to call the webhook (the caBundle). */
  public Path webhookCa() {
    return webhookCa;
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    agent.close();
    operator.close();
    client.close();
    server.destroy();
  }
}
