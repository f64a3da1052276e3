package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.caps.Capability;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordRoutingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final ProfileRef WATCH = new ProfileRef("shop", "watch");
  static final Map<String, ProfileRef> AUDIT =
      Map.of(
          WATCH.localhostProfile(),
          WATCH,
          new ProfileRef("shop", "rec.recording").localhostProfile(),
          new ProfileRef("shop", "rec.recording"));

  static AdmittedPod pod(String json) throws Exception {
    return AdmittedPod.of(JSON.readTree(json.replace('\'', '"')), "shop");
  }

  static String container(String name, String securityContext) {
    return "{'name':'" + name + "','securityContext':" + securityContext + "}";
  }

  static String localhost(String path) {
    return "{'seccompProfile':{'type':'Localhost','localhostProfile':'" + path + "'}}";
  }

  @Test
  void aRecordedPodsContainerRunningTheRecordingProfileCountsForTheRecording() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1','annotations':{'leastprivilege.dev/recording':'rec'}},"
                + "'spec':{'containers':["
                + container("web", localhost("leastprivilege/shop/rec.recording.json"))
                + ","
                + container("sidecar", "{}")
                + "]}}");
    ContainerRoute web = RecordRouting.route(p, "web", AUDIT, List.of());
    assertEquals(Optional.of("rec"), web.recording());
    assertTrue(web.recordsSyscalls());
    assertEquals(
        Optional.empty(),
        web.auditProfile(),
        "the recording profile is the recording's, not audit");
    ContainerRoute sidecar = RecordRouting.route(p, "sidecar", AUDIT, List.of());
    assertFalse(
        sidecar.recordsSyscalls(),
        "a container that does not run the recording profile has no system calls recorded");
    assertEquals(
        Optional.of("rec"),
        sidecar.recording(),
        "its capability checks count for the pod's recording (the operator keeps the containers"
            + " the recording names)");
  }

  @Test
  void theAnnotationAloneRecordsNoSystemCalls() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1','annotations':{'leastprivilege.dev/recording':'other'}},"
                + "'spec':{'containers':["
                + container("web", localhost("leastprivilege/shop/rec.recording.json"))
                + "]}}");
    assertFalse(RecordRouting.route(p, "web", AUDIT, List.of()).recordsSyscalls());
  }

  @Test
  void anEphemeralContainerOfARecordedPodIsNeverRecorded() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1','annotations':{'leastprivilege.dev/recording':'rec'}},"
                + "'spec':{'containers':["
                + container("web", localhost("leastprivilege/shop/rec.recording.json"))
                + "],'ephemeralContainers':["
                + container("debugger", localhost("leastprivilege/shop/rec.recording.json"))
                + "]}}");
    ContainerRoute debugger = RecordRouting.route(p, "debugger", AUDIT, List.of());
    assertEquals(Optional.empty(), debugger.recording(), "kubectl debug makes no result");
    assertFalse(debugger.recordsSyscalls());
    assertTrue(RecordRouting.route(p, "web", AUDIT, List.of()).recordsSyscalls());
  }

  @Test
  void aPrivilegedContainerOfARecordedPodIsListedAsPrivileged() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1','annotations':{'leastprivilege.dev/recording':'rec'}},"
                + "'spec':{'containers':["
                + container("web", "{'privileged':true}")
                + "]}}");
    ContainerRoute r = RecordRouting.route(p, "web", AUDIT, List.of());
    assertEquals(Optional.of("rec"), r.recording());
    assertTrue(r.privileged());
    assertFalse(r.recordsSyscalls());
  }

  @Test
  void aContainerOnAnAuditProfilesFileCountsForItsFindingsAlsoFromThePodLevel() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1'},'spec':{'securityContext':"
                + localhost("./leastprivilege//shop/watch.json")
                + ",'initContainers':["
                + container("init", "{}")
                + "],'containers':["
                + container("web", "{'seccompProfile':{'type':'RuntimeDefault'}}")
                + "]}}");
    assertEquals(
        Optional.of(WATCH), RecordRouting.route(p, "init", AUDIT, List.of()).auditProfile());
    assertEquals(
        Optional.empty(),
        RecordRouting.route(p, "web", AUDIT, List.of()).auditProfile(),
        "the container's own profile wins over the pod's");
  }

  @Test
  void aPodOfAnotherNamespaceNamingAnAuditProfilesFileCountsForNothing() throws Exception {
    AdmittedPod p =
        AdmittedPod.of(
            JSON.readTree(
                ("{'metadata':{'name':'web-1'},'spec':{'containers':["
                        + container("web", localhost("leastprivilege/shop/watch.json"))
                        + "]}}")
                    .replace('\'', '"')),
            "tenant-b");
    assertEquals(
        Optional.empty(),
        RecordRouting.route(p, "web", AUDIT, List.of()).auditProfile(),
        "a pod of tenant-b must not put its calls into shop's profile's findings");
  }

  @Test
  void auditPoliciesSelectAsTheAdmissionPlannerDoesAndKeepWhatTheyWouldLeave() throws Exception {
    AdmittedPod p =
        pod(
            "{'metadata':{'name':'web-1','labels':{'app':'web'}},'spec':{'containers':["
                + container("web", "{}")
                + ","
                + container("db", "{}")
                + "]}}");
    PolicyCandidate audit =
        PolicyCandidate.of(
            "web-caps", policy(Mode.Audit, "web", List.of("ALL"), List.of("NET_BIND_SERVICE")));
    PolicyCandidate enforce =
        PolicyCandidate.of("enforced", policy(Mode.Enforce, "web", List.of("ALL"), List.of()));
    PolicyCandidate otherApp =
        PolicyCandidate.of("other", policy(Mode.Audit, "other", List.of("ALL"), List.of()));
    PolicyCandidate dropsOne =
        PolicyCandidate.of("drops-raw", policy(Mode.Audit, "web", List.of("NET_RAW"), List.of()));
    ContainerRoute r =
        RecordRouting.route(p, "web", Map.of(), List.of(audit, enforce, otherApp, dropsOne));
    assertEquals(
        List.of("web-caps", "drops-raw"),
        r.auditPolicies().stream().map(ContainerRoute.AuditedPolicy::name).toList());
    ContainerRoute.AuditedPolicy webCaps = r.auditPolicies().get(0);
    assertTrue(webCaps.keeps(Capability.NET_BIND_SERVICE));
    assertFalse(webCaps.keeps(Capability.CHOWN), "drop ALL keeps only add");
    ContainerRoute.AuditedPolicy raw = r.auditPolicies().get(1);
    assertTrue(raw.keeps(Capability.CHOWN), "the runtime's defaults it does not drop");
    assertFalse(raw.keeps(Capability.NET_RAW));
    assertFalse(raw.keeps(Capability.SYS_ADMIN));
  }

  static CapabilityPolicySpec policy(Mode mode, String app, List<String> drop, List<String> add) {
    CapabilityPolicySpec s = new CapabilityPolicySpec();
    s.setMode(mode);
    PodSelector sel = new PodSelector();
    sel.setMatchLabels(Map.of("app", app));
    s.setPodSelector(sel);
    s.setDrop(drop);
    s.setAdd(add);
    return s;
  }
}
