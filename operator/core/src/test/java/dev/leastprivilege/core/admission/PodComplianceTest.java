package dev.leastprivilege.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodComplianceTest {
  private static final ProfileCandidate PROFILE =
      new ProfileCandidate(
          new ProfileRef("team", "p"),
          new PodSelector(),
          List.of("web", "side"),
          Mode.Enforce,
          true,
          "Installed");
  private static final ProfileCandidate OTHER =
      new ProfileCandidate(
          new ProfileRef("team", "q"), null, List.of(), Mode.Audit, true, "Installed");

  @Test
  void containersRunningWithoutTheSelectingProfileAreNamed() throws Exception {
    AdmittedPod pod =
        pod(
            "{'metadata':{},'spec':{'containers':[{'name':'web'},{'name':'side','securityContext':"
                + "{'seccompProfile':{'type':'Localhost','localhostProfile':'leastprivilege/team/p.json'}}},{'name':'other'}]}}");
    assertEquals(
        List.of("web"), containers(PodCompliance.ofProfile(pod, PROFILE, List.of(PROFILE, OTHER))));
  }

  @Test
  void aPodLevelProfileCountsButAnAnnotationCannotEscapeAnEnforceProfile() throws Exception {
    AdmittedPod pod =
        pod(
            "{'metadata':{'annotations':{'leastprivilege.dev/seccomp-profile.side':'q'}},"
                + "'spec':{'securityContext':{'seccompProfile':{'type':'Localhost','localhostProfile':"
                + "'leastprivilege/team/p.json'}},'containers':[{'name':'web'},{'name':'side','securityContext':"
                + "{'seccompProfile':{'type':'Localhost','localhostProfile':'leastprivilege/team/q.json'}}}]}}");
    // side chose the Audit profile q by annotation, which the Enforce profile p does not allow.
    assertEquals(
        List.of("side"),
        containers(PodCompliance.ofProfile(pod, PROFILE, List.of(PROFILE, OTHER))));
  }

  @Test
  void privilegedEphemeralAndAnnotatedContainersAreChecked() throws Exception {
    AdmittedPod pod =
        pod(
            "{'metadata':{'annotations':{'container.seccomp.security.alpha.kubernetes.io/side':"
                + "'localhost/leastprivilege/team/p.json'}},'spec':{'containers':[{'name':'web','securityContext':"
                + "{'privileged':true,'seccompProfile':{'type':'Localhost','localhostProfile':'leastprivilege/team/p.json'}}},"
                + "{'name':'side'}],'ephemeralContainers':[{'name':'debug'}]}}");
    ProfileCandidate all =
        new ProfileCandidate(
            new ProfileRef("team", "p"),
            new PodSelector(),
            List.of(),
            Mode.Enforce,
            true,
            "Installed");
    List<PodCompliance.Violation> wrong = PodCompliance.ofProfile(pod, all, List.of(all));
    assertEquals(List.of("web", "debug"), containers(wrong));
    assertEquals(
        "container web is privileged (securityContext.privileged: true)", wrong.get(0).toString());
  }

  @Test
  void capabilityPoliciesReadTheListsAsTheRuntimeDoesAndNeverAcceptPrivileged() throws Exception {
    AdmittedPod pod =
        pod(
            "{'metadata':{},'spec':{'containers':[{'name':'a','securityContext':{'capabilities':"
                + "{'drop':[' ALL']}}},{'name':'b','securityContext':{'capabilities':{'drop':['ALL']}}},{'name':'c',"
                + "'securityContext':{'privileged':true,'capabilities':{'drop':['ALL']}}}],'ephemeralContainers':"
                + "[{'name':'d','securityContext':{'capabilities':{'add':['SYS_ADMIN'],'drop':['ALL']}}}]}}");
    List<PodCompliance.Violation> wrong =
        PodCompliance.ofPolicy(pod, PolicyCandidate.of("caps", new CapabilityPolicySpec()));
    assertEquals(List.of("a", "c", "d"), containers(wrong));
    assertEquals("container d adds SYS_ADMIN", wrong.get(2).toString());
  }

  @Test
  void aWindowsPodHasNothingToComplyWithButItsHostProcessContainers() throws Exception {
    AdmittedPod pod =
        pod(
            "{'metadata':{},'spec':{'os':{'name':'windows'},'containers':[{'name':'web'},{'name':'side',"
                + "'securityContext':{'windowsOptions':{'hostProcess':true}}}]}}");
    assertEquals(
        List.of("side"), containers(PodCompliance.ofProfile(pod, PROFILE, List.of(PROFILE))));
    assertEquals(
        List.of("side"),
        containers(
            PodCompliance.ofPolicy(pod, PolicyCandidate.of("caps", new CapabilityPolicySpec()))));
  }

  private static List<String> containers(List<PodCompliance.Violation> violations) {
    return violations.stream().map(PodCompliance.Violation::container).distinct().toList();
  }

  private static AdmittedPod pod(String json) throws Exception {
    return AdmittedPod.of(new ObjectMapper().readTree(json.replace('\'', '"')), "team");
  }
}
