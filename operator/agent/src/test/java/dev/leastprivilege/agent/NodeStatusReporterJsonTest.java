package dev.leastprivilege.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.leastprivilege.agent.kube.JsonTree;
import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The agent writes its report without jackson-databind ({@link NodeStatusReporter#json}); it must
 * write what fabric8's serialization of the API classes writes, and every field those classes have:
 * a field added to them fails here until the agent writes it.
 */
class NodeStatusReporterJsonTest {
  private static final ObjectMapper FABRIC8 = new ObjectMapper();

  @Test
  void aFullReportIsWrittenAsFabric8WritesIt() throws Exception {
    NodeProfileStatus report = fullReport();

    JsonNode theirs = FABRIC8.readTree(FABRIC8.writeValueAsString(report));
    JsonNode ours = FABRIC8.readTree(JsonTree.write(NodeStatusReporter.json(report)));

    assertEquals(theirs, ours);
  }

  @Test
  void aSparseReportLeavesOutWhatFabric8LeavesOut() throws Exception {
    NodeProfileStatus report = new NodeProfileStatus();
    report.setMetadata(new ObjectMetaBuilder().withName("n1").build());
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setFailed(List.of(new FailedProfile("team-a", "web", null, "removal failed")));
    report.setStatus(status);

    assertEquals(
        FABRIC8.readTree(FABRIC8.writeValueAsString(report)),
        FABRIC8.readTree(JsonTree.write(NodeStatusReporter.json(report))));
  }

  @Test
  void everyFieldOfTheApiClassesIsWritten() {
    Map<String, Object> json = NodeStatusReporter.json(fullReport());
    Map<String, Object> status = JsonTree.object(json, "status");

    assertEquals(properties(NodeProfileStatusStatus.class), new TreeSet<>(status.keySet()));
    assertEquals(
        properties(FailedProfile.class),
        new TreeSet<>(JsonTree.asObject(JsonTree.array(status, "failed").get(0)).keySet()));
    assertEquals(
        properties(NodeProfileStatusSpec.class),
        new TreeSet<>(JsonTree.object(json, "spec").keySet()));
  }

  @Test
  void aStatusPatchCarriesNoSpec() {
    NodeProfileStatus patch = fullReport();
    patch.setSpec(null);

    assertEquals(
        Set.of("apiVersion", "kind", "metadata", "status"),
        NodeStatusReporter.json(patch).keySet());
  }

  private static NodeProfileStatus fullReport() {
    NodeProfileStatus report = new NodeProfileStatus();
    report.setMetadata(
        new ObjectMetaBuilder()
            .withName("n1")
            .withOwnerReferences(NodeProfileStatus.ownedBy("n1", "uid-1"))
            .build());
    NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
    spec.setNodeName("n1");
    report.setSpec(spec);
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision("42");
    status.setProfiles(1000);
    status.setFailed(
        List.of(
            new FailedProfile("team-a", "web", "sha256:ab", "disk full"),
            new FailedProfile("team-b", "db", "sha256:cd", "read-only file system")));
    status.setFailedCount(2);
    status.setLastSyncTime("2026-11-30T10:00:00Z");
    report.setStatus(status);
    return report;
  }

  /** The JSON properties fabric8's serialization sees in a class. */
  private static Set<String> properties(Class<?> type) {
    BeanDescription bean = FABRIC8.getSerializationConfig().introspect(FABRIC8.constructType(type));
    return bean.findProperties().stream()
        .map(BeanPropertyDefinition::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
