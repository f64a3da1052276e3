package dev.leastprivilege.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeStatusReporterTest {
  KubernetesClient client;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
  private String nodeUid;

  @BeforeEach
  void node() {
    nodeUid =
        client
            .resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build())
            .create()
            .getMetadata()
            .getUid();
  }

  private final java.util.List<KubeApi> apis = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    executor.shutdownNow();
    apis.forEach(KubeApi::close);
  }

  private NodeProfileStatus existing(List<String> ownerUids) {
    NodeProfileStatus nps = new NodeProfileStatus();
    var meta = new ObjectMetaBuilder().withName("n1");
    for (String uid : ownerUids) {
      meta.addToOwnerReferences(NodeProfileStatus.ownedBy("n1", uid));
    }
    nps.setMetadata(meta.build());
    NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
    spec.setNodeName("n1");
    nps.setSpec(spec);
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision("999");
    nps.setStatus(status);
    return client.resource(nps).create();
  }

  private KubeApi api() {
    KubeApi api = KubeApi.connect(client.getConfiguration());
    apis.add(api);
    return api;
  }

  /** The agent's first report, as it writes it after its watch synced. */
  private NodeProfileStatus report() {
    NodeStatusReporter reporter =
        new NodeStatusReporter(
            api(),
            new AgentConfig("n1", "lpo", Path.of("/nonexistent"), Duration.ofMillis(10)),
            executor,
            () -> new NodeStatusReporter.Report("42", 3, List.of(), 0));
    executor.execute(reporter::changed);
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> client.resources(NodeProfileStatus.class).withName("n1").get(),
            n ->
                n != null
                    && n.getStatus() != null
                    && "42".equals(n.getStatus().getAppliedRevision()));
  }

  @Test
  void aNewReportIsOwnedByItsNode() {
    assertEquals(List.of(nodeUid), NodeProfileStatus.ownerNodeUids(report()));
  }

  @Test
  void theReportOfAnEarlierNodeOfTheSameNameIsReplaced() {
    NodeProfileStatus old = existing(List.of("uid-of-the-deleted-node"));
    NodeProfileStatus now = report();
    assertNotEquals(old.getMetadata().getUid(), now.getMetadata().getUid(), "a fresh object");
    assertEquals(List.of(nodeUid), NodeProfileStatus.ownerNodeUids(now));
  }

  @Test
  void aReportWithoutOwnerIsReplaced() {
    NodeProfileStatus old = existing(List.of());
    NodeProfileStatus now = report();
    assertNotEquals(old.getMetadata().getUid(), now.getMetadata().getUid());
    assertEquals(List.of(nodeUid), NodeProfileStatus.ownerNodeUids(now));
  }

  @Test
  void itsNodesReportCarriesOnAfterARestart() {
    NodeProfileStatus old = existing(List.of(nodeUid));
    assertEquals(old.getMetadata().getUid(), report().getMetadata().getUid());
  }
}
