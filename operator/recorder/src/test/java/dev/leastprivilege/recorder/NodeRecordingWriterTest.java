package dev.leastprivilege.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class NodeRecordingWriterTest {
  static final String NODE = "n1";

  KubernetesClient client;

  final AtomicLong lost = new AtomicLong();

  NodeRecordingWriter writer() {
    RecorderConfig config =
        new RecorderConfig(
            NODE,
            RecorderConfig.SeccompSource.KMSG,
            Path.of("/dev/kmsg"),
            Path.of("/var/log/audit/audit.log"),
            Path.of("/sys/kernel/tracing"),
            "lpo-recorder",
            Path.of("/proc"),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            0);
    return new NodeRecordingWriter(
        client,
        config,
        () -> {
          NodeRecordingStatus s = new NodeRecordingStatus();
          s.setSeccompSource("kmsg");
          s.setLostRecords(lost.get());
          return s;
        });
  }

  Node node() {
    return client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build())
        .create();
  }

  @Test
  void createsItsNodesReportOwnedByTheNodeAndWritesOnlyWhatChanged() {
    Node node = node();
    NodeRecordingWriter w = writer();
    assertTrue(w.writeIfChanged());
    NodeRecording r = client.resources(NodeRecording.class).withName(NODE).get();
    assertEquals(NODE, r.getSpec().getNodeName());
    assertEquals(node.getMetadata().getUid(), r.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals("Node", r.getMetadata().getOwnerReferences().get(0).getKind());
    assertEquals("kmsg", r.getStatus().getSeccompSource());
    assertEquals(0L, r.getStatus().getLostRecords());
    assertFalse(w.writeIfChanged(), "nothing changed: nothing written");
    lost.set(4);
    assertTrue(w.writeIfChanged());
    assertEquals(
        4L,
        client.resources(NodeRecording.class).withName(NODE).get().getStatus().getLostRecords());
  }

  @Test
  void takesOverAReportItsNodeDoesNotOwn() {
    Node node = node();
    NodeRecording earlier = new NodeRecording();
    earlier.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
    client.resource(earlier).create();
    assertTrue(writer().writeIfChanged());
    NodeRecording r = client.resources(NodeRecording.class).withName(NODE).get();
    assertEquals(node.getMetadata().getUid(), r.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals(NODE, r.getSpec().getNodeName());
  }
}
