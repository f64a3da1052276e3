package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.NodeAuditFinding;
import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.record.NodeActivity.ContainerKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeActivityTest {
  static final Instant T0 = Instant.parse("2026-11-30T03:00:00Z");
  static final ContainerKey WEB = new ContainerKey("shop", "web-1", "uid-1", "web");
  static final ContainerRoute RECORDED =
      new ContainerRoute(Optional.of("rec"), true, false, Optional.empty(), List.of());

  @Test
  void recordedContainersCollectSyscallsCapabilitiesAndRecordCounts() {
    NodeActivity a = new NodeActivity();
    a.sources("kmsg", "tracefs");
    a.syscall(WEB, RECORDED, "chmod", T0);
    a.syscall(WEB, RECORDED, "chmod", T0);
    a.syscall(WEB, RECORDED, "mount", T0);
    a.capability(WEB, RECORDED, Capability.CHOWN, T0);
    a.lost(3);
    a.unattributed(2);
    NodeRecordingStatus s = a.status();
    assertEquals("kmsg", s.getSeccompSource());
    assertEquals("tracefs", s.getCapabilitySource());
    assertEquals(3L, s.getLostRecords());
    assertEquals(2L, s.getUnattributedRecords());
    assertEquals(1, s.getPods().size());
    assertEquals("rec", s.getPods().get(0).getRecording());
    assertEquals("uid-1", s.getPods().get(0).getUid());
    NodeRecordedContainer c = s.getPods().get(0).getContainers().get(0);
    assertEquals("web", c.getName());
    assertEquals(List.of("chmod", "mount"), c.getSyscalls());
    assertEquals(List.of("CHOWN"), c.getCapabilities());
    assertEquals(4L, c.getRecords());
    assertNull(c.getPrivileged());
    assertTrue(c.getSyscallsRecorded());
    assertTrue(s.getAuditFindings().isEmpty(), "a recording is not an audit finding");
  }

  @Test
  void aContainerOffTheRecordingProfileHasOnlyItsCapabilityChecksRecorded() {
    NodeActivity a = new NodeActivity();
    // Marked for the recording, but an Enforce profile selected it: the records its profile logs
    // are not the recording's.
    ContainerRoute capabilitiesOnly =
        new ContainerRoute(Optional.of("rec"), false, false, Optional.empty(), List.of());
    a.present(WEB, capabilitiesOnly);
    a.syscall(WEB, capabilitiesOnly, "chmod", T0);
    a.capability(WEB, capabilitiesOnly, Capability.CHOWN, T0);
    NodeRecordedContainer c = a.status().getPods().get(0).getContainers().get(0);
    assertEquals(List.of(), c.getSyscalls());
    assertEquals(List.of("CHOWN"), c.getCapabilities());
    assertFalse(c.getSyscallsRecorded());
  }

  @Test
  void aPrivilegedContainerIsListedAsSuchWithNothingRecorded() {
    NodeActivity a = new NodeActivity();
    ContainerRoute privileged =
        new ContainerRoute(Optional.of("rec"), false, true, Optional.empty(), List.of());
    a.present(WEB, privileged);
    a.syscall(WEB, privileged, "chmod", T0);
    NodeRecordedContainer c = a.status().getPods().get(0).getContainers().get(0);
    assertEquals(Boolean.TRUE, c.getPrivileged());
    assertTrue(c.getSyscalls().isEmpty());
    assertEquals(0L, c.getRecords());
  }

  @Test
  void aRunningRecordedContainerIsListedBeforeItsFirstRecord() {
    NodeActivity a = new NodeActivity();
    a.present(WEB, RECORDED);
    a.present(new ContainerKey("shop", "db-1", "uid-2", "db"), ContainerRoute.NONE);
    NodeRecordingStatus s = a.status();
    assertEquals(1, s.getPods().size(), "only recorded pods are listed");
    assertEquals(0L, s.getPods().get(0).getContainers().get(0).getRecords());
  }

  @Test
  void auditFindingsCountAndComeMostRecentFirst() {
    NodeActivity a = new NodeActivity();
    ContainerRoute audited =
        new ContainerRoute(
            Optional.empty(),
            false,
            false,
            Optional.of(new ProfileRef("shop", "watch")),
            List.of());
    a.syscall(WEB, audited, "chmod", T0);
    a.syscall(WEB, audited, "mount", T0.plusSeconds(1));
    a.syscall(WEB, audited, "chmod", T0.plusSeconds(2));
    List<NodeAuditFinding> f = a.status().getAuditFindings();
    assertEquals(2, f.size());
    assertEquals("chmod", f.get(0).getSyscall());
    assertEquals(2L, f.get(0).getCount());
    assertEquals("2026-11-30T03:00:02Z", f.get(0).getLastSeen());
    assertEquals("SeccompProfile", f.get(0).getKind());
    assertEquals("shop", f.get(0).getNamespace());
    assertEquals("watch", f.get(0).getName());
    assertEquals("web-1", f.get(0).getPod());
    assertEquals("web", f.get(0).getContainer());
    assertEquals("mount", f.get(1).getSyscall());
    assertTrue(a.status().getPods().isEmpty(), "an Audit profile records no pod");
  }

  @Test
  void aPodOfAnotherNamespaceIsNeverAFindingOfAProfile() {
    NodeActivity a = new NodeActivity();
    ContainerRoute othersProfile =
        new ContainerRoute(
            Optional.empty(),
            false,
            false,
            Optional.of(new ProfileRef("shop", "watch")),
            List.of());
    a.syscall(new ContainerKey("tenant-b", "web-1", "uid-9", "web"), othersProfile, "chmod", T0);
    assertTrue(a.status().getAuditFindings().isEmpty());
  }

  @Test
  void capabilityFindingsAreWhatAnAuditPolicyWouldNotKeep() {
    NodeActivity a = new NodeActivity();
    ContainerRoute audited =
        new ContainerRoute(
            Optional.empty(),
            false,
            false,
            Optional.empty(),
            List.of(
                new ContainerRoute.AuditedPolicy(
                    "web-caps", CapabilitySet.of(Capability.NET_BIND_SERVICE))));
    a.capability(WEB, audited, Capability.NET_BIND_SERVICE, T0);
    a.capability(WEB, audited, Capability.CHOWN, T0);
    List<NodeAuditFinding> f = a.status().getAuditFindings();
    assertEquals(1, f.size());
    assertEquals("CapabilityPolicy", f.get(0).getKind());
    assertEquals("web-caps", f.get(0).getName());
    assertEquals("CHOWN", f.get(0).getCapability());
    assertNull(f.get(0).getSyscall());
  }

  @Test
  void findingsAreBoundedAndTheLeastRecentAreDroppedAndCounted() {
    NodeActivity a = new NodeActivity(64, 3);
    ContainerRoute audited =
        new ContainerRoute(
            Optional.empty(),
            false,
            false,
            Optional.of(new ProfileRef("shop", "watch")),
            List.of());
    List<String> calls = List.of("a1", "a2", "a3", "a4", "a5");
    for (int i = 0; i < calls.size(); i++) {
      a.syscall(WEB, audited, calls.get(i), T0.plusSeconds(i));
    }
    a.syscall(WEB, audited, "a3", T0.plusSeconds(9)); // seen again: most recent, kept
    NodeRecordingStatus s = a.status();
    assertEquals(
        List.of("a3", "a5", "a4"),
        s.getAuditFindings().stream().map(NodeAuditFinding::getSyscall).toList());
    assertEquals(2L, s.getDroppedAuditFindings());
  }

  @Test
  void podsAreBoundedAndAPodThatIsGoneMakesRoomFirst() {
    NodeActivity a = new NodeActivity(2, 200);
    ContainerKey p1 = new ContainerKey("shop", "p1", "u1", "c");
    ContainerKey p2 = new ContainerKey("shop", "p2", "u2", "c");
    ContainerKey p3 = new ContainerKey("shop", "p3", "u3", "c");
    a.syscall(p1, RECORDED, "chmod", T0);
    a.syscall(p2, RECORDED, "chmod", T0);
    a.podGone("u2");
    a.syscall(p1, RECORDED, "mount", T0);
    a.syscall(p3, RECORDED, "chmod", T0);
    assertEquals(
        List.of("p1", "p3"),
        a.status().getPods().stream().map(p -> p.getPod()).toList(),
        "the pod that is gone went first, though p1 was older");
  }

  @Test
  void containersPerPodAreBoundedAndTheRestCountsAsLost() {
    NodeActivity a = new NodeActivity();
    int many = NodeActivity.MAX_CONTAINERS_PER_POD + 8;
    for (int i = 0; i < many; i++) {
      a.syscall(new ContainerKey("shop", "web-1", "uid-1", "c" + i), RECORDED, "chmod", T0);
    }
    NodeRecordingStatus s = a.status();
    assertEquals(NodeActivity.MAX_CONTAINERS_PER_POD, s.getPods().get(0).getContainers().size());
    assertEquals(
        8L,
        s.getPods().get(0).getLostRecords(),
        "the records of the containers left out are the pod's lost records");
  }

  @Test
  void theStatusStaysFarBelowTheApiServersRequestLimitWhateverThePodsDo() throws Exception {
    NodeActivity a = new NodeActivity();
    for (int pod = 0; pod < 80; pod++) {
      for (int c = 0; c < 40; c++) {
        ContainerKey key =
            new ContainerKey("shop", "web-" + pod, "uid-" + pod, "container-number-" + c);
        for (int call = 0; call < 400; call++) {
          a.syscall(key, RECORDED, "unknown_syscall_" + call, T0);
        }
      }
    }
    NodeRecordingStatus s = a.status();
    int podsJson = new ObjectMapper().writeValueAsBytes(s.getPods()).length;
    assertTrue(
        podsJson <= NodeActivity.POD_BYTES,
        "the pods list is " + podsJson + " bytes, over the budget " + NodeActivity.POD_BYTES);
    assertTrue(new ObjectMapper().writeValueAsBytes(s).length < 1024 * 1024);
    assertTrue(
        s.getPods().stream().anyMatch(p -> p.getLostRecords() > 0), "what was left out is counted");
  }
}
