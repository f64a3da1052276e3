package dev.leastprivilege.controller.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.core.record.AuditFold;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditFindingIndexTest {
  static NodeAuditFinding finding(String kind, String name, String syscall, long count) {
    NodeAuditFinding f = new NodeAuditFinding();
    f.setKind(kind);
    f.setNamespace("shop");
    f.setName(name);
    f.setPod("p");
    f.setContainer("app");
    f.setSyscall(syscall);
    f.setCount(count);
    f.setLastSeen("2026-01-01T00:00:00Z");
    return f;
  }

  static NodeRecording report(String node, NodeAuditFinding... findings) {
    NodeRecording r = new NodeRecording();
    r.setMetadata(new ObjectMetaBuilder().withName(node).build());
    NodeRecordingStatus s = new NodeRecordingStatus();
    s.setAuditFindings(new ArrayList<>(List.of(findings)));
    r.setStatus(s);
    return r;
  }

  static ResourceID id(String name) {
    return new ResourceID(name, "shop");
  }

  @Test
  void aNodesReportWakesOnlyTheObjectsWhoseFindingsChanged() {
    AuditFindingIndex index = new AuditFindingIndex(AuditFold.SECCOMP_PROFILE);
    assertEquals(
        Set.of(id("a"), id("b")),
        index.update(
            report(
                "n1",
                finding("SeccompProfile", "a", "chmod", 1),
                finding("SeccompProfile", "b", "chmod", 1),
                finding("CapabilityPolicy", "c", null, 1))));
    // the same findings again: nothing to wake
    assertEquals(
        Set.of(),
        index.update(
            report(
                "n1",
                finding("SeccompProfile", "a", "chmod", 1),
                finding("SeccompProfile", "b", "chmod", 1))));
    // b's count changed, a's finding went
    assertEquals(
        Set.of(id("a"), id("b")),
        index.update(report("n1", finding("SeccompProfile", "b", "chmod", 2))));
    index.update(report("n2", finding("SeccompProfile", "b", "chmod", 5)));
    assertEquals(2, index.findingsFor(id("b")).size());
    assertEquals(0, index.findingsFor(id("a")).size());
    assertEquals(Set.of(id("b")), index.remove("n2"));
    assertEquals(1, index.findingsFor(id("b")).size());
  }

  @Test
  void theCacheKeepsOnlyItsKindsFindingsAndNoPods() {
    AuditFindingSource.OneKindStore store =
        new AuditFindingSource.OneKindStore(AuditFold.CAPABILITY_POLICY);
    NodeRecording r =
        report(
            "n1",
            finding("SeccompProfile", "a", "chmod", 1),
            finding("CapabilityPolicy", "c", null, 1));
    r.getStatus()
        .setPods(new ArrayList<>(List.of(new dev.leastprivilege.api.v1alpha1.NodeRecordedPod())));
    store.put("n1", r);
    NodeRecording kept = store.get("n1");
    assertEquals(
        List.of("c"),
        kept.getStatus().getAuditFindings().stream().map(NodeAuditFinding::getName).toList());
    assertEquals(0, kept.getStatus().getPods().size());
  }
}
