package dev.leastprivilege.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileComplianceTest {
  private static final ProfileCandidate PROFILE = new ProfileCandidate(new ProfileRef("team", "p"), new PodSelector(),
      List.of("web", "side"), Mode.Enforce, true, "Installed");

  @Test
  void containersRunningWithoutTheSelectingProfileAreNamed() throws Exception {
    AdmittedPod pod = pod("{'metadata':{},'spec':{'containers':[{'name':'web'},{'name':'side','securityContext':"
        + "{'seccompProfile':{'type':'Localhost','localhostProfile':'leastprivilege/team/p.json'}}},{'name':'other'}]}}");
    assertEquals(List.of("web"), ProfileCompliance.nonCompliantContainers(pod, PROFILE));
  }

  @Test
  void aPodLevelProfileCountsAndAnAnnotationChoosingAnotherProfileIsRespected() throws Exception {
    AdmittedPod pod = pod("{'metadata':{'annotations':{'leastprivilege.dev/seccomp-profile.side':'q'}},"
        + "'spec':{'securityContext':{'seccompProfile':{'type':'Localhost','localhostProfile':"
        + "'leastprivilege/team/p.json'}},'containers':[{'name':'web'},{'name':'side'}]}}");
    assertEquals(List.of(), ProfileCompliance.nonCompliantContainers(pod, PROFILE));
  }

  private static AdmittedPod pod(String json) throws Exception {
    return AdmittedPod.of(new ObjectMapper().readTree(json.replace('\'', '"')), "team");
  }
}
