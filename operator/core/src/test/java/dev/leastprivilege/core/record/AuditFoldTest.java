package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditFoldTest {
  static NodeAuditFinding finding(String pod, String syscall, long count, String lastSeen) {
    NodeAuditFinding f = new NodeAuditFinding();
    f.setKind(AuditFold.SECCOMP_PROFILE);
    f.setNamespace("shop");
    f.setName("web");
    f.setPod(pod);
    f.setContainer("app");
    f.setSyscall(syscall);
    f.setCount(count);
    f.setLastSeen(lastSeen);
    return f;
  }

  @Test
  void mergesTheNodesFindingsByPodContainerAndCallMostRecentFirst() {
    List<AuditFinding> out =
        AuditFold.fold(
            List.of(
                finding("web-a", "chmod", 3, "2026-01-01T10:00:00Z"),
                finding("web-a", "chmod", 2, "2026-01-01T10:05:00Z"), // another node, same pod
                finding("web-b", "chmod", 1, "2026-01-01T09:00:00Z"),
                finding("web-a", "mkdir", 4, "2026-01-01T11:00:00Z")));
    assertEquals(3, out.size());
    assertEquals("mkdir", out.get(0).getSyscall());
    assertEquals("web-a", out.get(1).getPod());
    assertEquals(5L, out.get(1).getCount());
    assertEquals("2026-01-01T10:05:00Z", out.get(1).getLastSeen());
    assertEquals("web-b", out.get(2).getPod());
  }

  @Test
  void capabilitiesAreKeptApartFromSyscallsAndTheListIsBounded() {
    List<NodeAuditFinding> many = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      many.add(
          finding(
              "web-" + i, "chmod", 1, "2026-01-01T10:00:" + String.format("%02d", i % 60) + "Z"));
    }
    NodeAuditFinding cap = finding("web-0", null, 1, "2026-01-02T00:00:00Z");
    cap.setCapability("CHOWN");
    many.add(cap);
    List<AuditFinding> out = AuditFold.fold(many);
    assertEquals(AuditFold.MAX, out.size());
    assertEquals("CHOWN", out.get(0).getCapability());
    assertTrue(out.get(0).getSyscall() == null);
  }

  @Test
  void podsOfTheSameNameInTwoNamespacesAreNotMerged() {
    NodeAuditFinding other = finding("web-a", "chmod", 7, "2026-01-01T10:00:00Z");
    other.setNamespace("tenant-b");
    List<AuditFinding> out =
        AuditFold.fold(List.of(finding("web-a", "chmod", 1, "2026-01-01T10:00:00Z"), other));
    assertEquals(2, out.size());
    assertEquals(List.of(1L, 7L), out.stream().map(AuditFinding::getCount).sorted().toList());
  }

  @Test
  void namesMatchesKindNamespaceAndName() {
    NodeAuditFinding f = finding("p", "chmod", 1, "2026-01-01T10:00:00Z");
    assertTrue(AuditFold.names(f, AuditFold.SECCOMP_PROFILE, "shop", "web"));
    assertFalse(AuditFold.names(f, AuditFold.CAPABILITY_POLICY, "shop", "web"));
    assertFalse(AuditFold.names(f, AuditFold.SECCOMP_PROFILE, "other", "web"));
  }
}
