package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeRecordedContainer;
import dev.leastprivilege.api.v1alpha1.NodeRecordedPod;
import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordingFoldTest {
  static NodeRecordedContainer container(String name, List<String> syscalls, String... caps) {
    NodeRecordedContainer c = new NodeRecordedContainer();
    c.setName(name);
    c.setSyscalls(new ArrayList<>(syscalls));
    c.setCapabilities(new ArrayList<>(List.of(caps)));
    c.setSyscallsRecorded(true);
    return c;
  }

  static NodeRecordedPod pod(String rec, String ns, String pod, NodeRecordedContainer... cs) {
    NodeRecordedPod p = new NodeRecordedPod();
    p.setRecording(rec);
    p.setNamespace(ns);
    p.setPod(pod);
    p.setUid("uid-" + pod);
    p.setContainers(new ArrayList<>(List.of(cs)));
    return p;
  }

  static RecordingFold.NodeReport node(String name, long lost, NodeRecordedPod... pods) {
    NodeRecordingStatus s = new NodeRecordingStatus();
    s.setSeccompSource("kmsg");
    s.setCapabilitySource("tracefs");
    s.setLostRecords(lost);
    s.setUnattributedRecords(1L);
    // as the recorder counts them: the node's losses while each pod was recorded
    for (NodeRecordedPod p : pods) {
      p.setLostRecords(lost);
      p.setUnattributedRecords(1L);
    }
    s.setPods(new ArrayList<>(List.of(pods)));
    return new RecordingFold.NodeReport(name, s);
  }

  static RecordingFold.Folded fold(
      List<RecordingFold.NodeReport> nodes, ProfileRecordingStatus previous) {
    return RecordingFold.fold(
        new RecordingFold.Input(
            "shop", "web", List.of(), EnumSet.allOf(RecordingKind.class), nodes, previous));
  }

  static Map<String, Integer> coverage(RecordedContainer c) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (SyscallCoverage s : c.getSyscalls()) {
      out.put(s.getName(), s.getReplicas());
    }
    return out;
  }

  @Test
  void threeReplicasOnThreeNodesFoldIntoOneContainerWithCoverage() {
    RecordingFold.Folded f =
        fold(
            List.of(
                node(
                    "n1",
                    0,
                    pod(
                        "web",
                        "shop",
                        "web-a",
                        container("app", List.of("openat", "chmod"), "CHOWN"))),
                node(
                    "n2",
                    0,
                    pod(
                        "web",
                        "shop",
                        "web-b",
                        container("app", List.of("openat"), "NET_BIND_SERVICE"))),
                node(
                    "n3",
                    0,
                    pod("web", "shop", "web-c", container("app", List.of("openat", "mkdir")))),
                // another recording's pod, and the same name in another namespace: not this one's
                node(
                    "n4",
                    7,
                    pod("api", "shop", "api-a", container("app", List.of("ptrace"))),
                    pod("web", "other", "web-x", container("app", List.of("ptrace"))))),
            null);
    assertEquals(3, f.recordedPods());
    assertEquals(1, f.containers().size());
    RecordedContainer app = f.containers().get(0);
    assertEquals("app", app.getName());
    assertEquals(3, app.getReplicas());
    // sorted by name, with how many replicas made each call
    assertEquals(Map.of("chmod", 1, "mkdir", 1, "openat", 3), coverage(app));
    assertEquals(List.of("chmod", "mkdir", "openat"), List.copyOf(coverage(app).keySet()));
    assertEquals(List.of("CHOWN", "NET_BIND_SERVICE"), app.getCapabilities());
    // counts only from the nodes that recorded this recording's pods (n4 did not)
    assertEquals(0, f.lostRecords());
    assertEquals(3, f.unattributedRecords());
  }

  @Test
  void lostRecordsAreSummedOverTheNodesThatRecordedItsPods() {
    RecordingFold.Folded f =
        fold(
            List.of(
                node("n1", 5, pod("web", "shop", "web-a", container("app", List.of("openat")))),
                node("n2", 2, pod("web", "shop", "web-b", container("app", List.of("openat")))),
                node("n3", 100)),
            null);
    assertEquals(7, f.lostRecords());
  }

  @Test
  void whatANodeLostBeforeARecordingIsNotItsLoss() {
    NodeRecordedPod p = pod("web", "shop", "web-a", container("app", List.of("openat")));
    RecordingFold.NodeReport n1 = node("n1", 0, p);
    // the node lost 2403 records during an earlier recording, none while this pod was recorded
    n1.status().setLostRecords(2403L);
    n1.status().setUnattributedRecords(5000L);
    RecordingFold.Folded f = fold(List.of(n1), null);
    assertEquals(0, f.lostRecords());
    assertEquals(1, f.unattributedRecords());
  }

  @Test
  void whatWasRecordedStaysWhenPodsLeaveTheReportsOrARecorderRestarts() {
    RecordingFold.Folded first =
        fold(
            List.of(
                node(
                    "n1",
                    4,
                    pod("web", "shop", "web-a", container("app", List.of("openat", "chmod")))),
                node("n2", 0, pod("web", "shop", "web-b", container("app", List.of("openat"))))),
            null);
    ProfileRecordingStatus status = new ProfileRecordingStatus();
    status.setRecordedPods(first.recordedPods());
    status.setContainers(first.containers());
    status.setLostRecords(first.lostRecords());
    // web-a is gone from n1's report, and n1's recorder restarted (counts from zero)
    RecordingFold.Folded second =
        fold(
            List.of(
                node("n1", 0),
                node(
                    "n2",
                    0,
                    pod("web", "shop", "web-b", container("app", List.of("openat", "mkdir"))))),
            status);
    assertEquals(2, second.recordedPods());
    RecordedContainer app = second.containers().get(0);
    assertEquals(2, app.getReplicas());
    // never counted twice: web-b's openat is still 2 replicas, not 3
    assertEquals(Map.of("chmod", 1, "mkdir", 1, "openat", 2), coverage(app));
    assertEquals(4, second.lostRecords());
    assertEquals(1, second.pods().size());
  }

  @Test
  void onlyTheSpecsContainerNamesAreFolded() {
    RecordingFold.Folded f =
        RecordingFold.fold(
            new RecordingFold.Input(
                "shop",
                "web",
                List.of("app"),
                EnumSet.allOf(RecordingKind.class),
                List.of(
                    node(
                        "n1",
                        0,
                        pod(
                            "web",
                            "shop",
                            "web-a",
                            container("app", List.of("openat")),
                            container("sidecar", List.of("ptrace"))))),
                null));
    assertEquals(List.of("app"), f.containers().stream().map(RecordedContainer::getName).toList());
  }

  @Test
  void privilegedContainersAndNodesThatCannotRecordAreWarnings() {
    NodeRecordedContainer priv = container("debug", List.of());
    priv.setPrivileged(true);
    RecordingFold.NodeReport n1 =
        node("n1", 0, pod("web", "shop", "web-a", container("app", List.of("openat")), priv));
    RecordingFold.NodeReport n2 = node("n2", 0);
    n2.status()
        .setCapabilitySource("Unavailable: no capability:cap_capable trace event in this kernel");
    RecordingFold.NodeReport n3 = node("n3", 0);
    n3.status()
        .setCapabilitySource("Unavailable: no capability:cap_capable trace event in this kernel");
    RecordingFold.Folded f = fold(List.of(n1, n2, n3), null);
    assertEquals(List.of("app"), f.containers().stream().map(RecordedContainer::getName).toList());
    assertEquals(
        List.of(
            "container debug of pod web-a is privileged: it runs unconfined, so nothing of it is"
                + " recorded",
            "on 2 nodes (n2, n3), capabilities cannot be recorded: Unavailable: no"
                + " capability:cap_capable trace event in this kernel"),
        f.warnings());
    // a recording of system calls only does not care about the capability source
    RecordingFold.Folded seccompOnly =
        RecordingFold.fold(
            new RecordingFold.Input(
                "shop",
                "web",
                List.of(),
                EnumSet.of(RecordingKind.Seccomp),
                List.of(n1, n2, n3),
                null));
    assertTrue(seccompOnly.warnings().stream().noneMatch(w -> w.contains("capabilities")));
  }
}
