package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallCoverage;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.profile.ProfileLookup;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordingRulesTest {
  static ProfileRecordingSpec spec() {
    ProfileRecordingSpec s = new ProfileRecordingSpec();
    s.setPodSelector(new PodSelector());
    return s;
  }

  @Test
  void defaults() {
    ProfileRecordingSpec s = spec();
    assertEquals("builtin:runtime-baseline", RecordingRules.baseOf(s));
    assertEquals(SeccompAction.SCMP_ACT_ERRNO, RecordingRules.resultActionOf(s));
    assertEquals(EnumSet.allOf(RecordingKind.class), RecordingRules.kindsOf(s));
    s.setRecord(new ArrayList<>(List.of(RecordingKind.Capabilities)));
    assertEquals(EnumSet.of(RecordingKind.Capabilities), RecordingRules.kindsOf(s));
  }

  @Test
  void refusesANameThatIsNotADnsLabelAndAPermissiveResultAction() {
    assertEquals(List.of(), RecordingRules.validate("web", spec()));
    List<FieldError> long64 = RecordingRules.validate("a".repeat(64), spec());
    assertEquals("metadata.name", long64.get(0).path());
    assertEquals("metadata.name", RecordingRules.validate("web.v2", spec()).get(0).path());
    ProfileRecordingSpec allow = spec();
    allow.setResultDefaultAction(SeccompAction.SCMP_ACT_LOG);
    assertEquals("spec.resultDefaultAction", RecordingRules.validate("web", allow).get(0).path());
    assertEquals(
        "spec.podSelector",
        RecordingRules.validate("web", new ProfileRecordingSpec()).get(0).path());
  }

  @Test
  void endsOnStopOrOnceEveryRecordedPodIsGone() {
    ProfileRecordingSpec s = spec();
    assertEquals(Optional.empty(), RecordingEnd.ended(s, 0, 0)); // nothing recorded yet: waits
    assertEquals(Optional.empty(), RecordingEnd.ended(s, 3, 1));
    assertEquals(Optional.of(RecordingEnd.Why.PODS_GONE), RecordingEnd.ended(s, 3, 0));
    s.setStop(true);
    assertEquals(Optional.of(RecordingEnd.Why.STOPPED), RecordingEnd.ended(s, 0, 2));
  }

  @Test
  void aMissingBaseIsAnErrorOnBaseProfileName() {
    RecordingBase.Result r = RecordingBase.resolve("shop", "web", "nope", ProfileLookup.none());
    assertEquals("spec.baseProfileName", r.errors().get(0).path());
    RecordingBase.Result cycle =
        RecordingBase.resolve(
            "shop",
            "web",
            "web.recording",
            ProfileLookup.of(Map.of("shop/web.recording", baseNamed("web.recording"))));
    assertTrue(cycle.errors().get(0).message().contains("cycle"), cycle.errors().toString());
  }

  static SeccompProfileSpec baseNamed(String base) {
    SeccompProfileSpec s = new SeccompProfileSpec();
    s.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    s.setBaseProfileName(base);
    return s;
  }

  @Test
  void resultsKeepTheBasesCallsAddTheRecordedOnesAndDropAllButTheUsedCapabilities() {
    SeccompProfileSpec team = new SeccompProfileSpec();
    team.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    team.getSyscalls()
        .add(
            new SyscallRule(
                new ArrayList<>(List.of("read", "write")), SeccompAction.SCMP_ACT_ALLOW));
    RecordingBase.Result base =
        RecordingBase.resolve("shop", "web", "team", ProfileLookup.of(Map.of("shop/team", team)));
    assertTrue(base.ok(), base.errors().toString());
    RecordedContainer app = new RecordedContainer();
    app.setName("app");
    SyscallCoverage chmod = new SyscallCoverage();
    chmod.setName("chmod");
    chmod.setReplicas(2);
    app.setSyscalls(List.of(chmod));
    app.setCapabilities(List.of("CHOWN", "CAP_NET_BIND_SERVICE"));
    app.setSyscallsRecorded(true);
    List<RecordingResults.Result> results =
        RecordingResults.of(
            "web",
            EnumSet.allOf(RecordingKind.class),
            base.effective(),
            SeccompAction.SCMP_ACT_KILL_PROCESS,
            List.of(app));
    assertEquals(1, results.size());
    RecordingResults.Result r = results.get(0);
    assertEquals("web-app", r.name());
    SeccompProfileSpec seccomp = r.seccomp().orElseThrow();
    assertEquals(SeccompAction.SCMP_ACT_KILL_PROCESS, seccomp.getDefaultAction());
    List<String> allowed = seccomp.getSyscalls().get(0).getNames();
    assertTrue(allowed.containsAll(List.of("read", "write", "chmod")), allowed.toString());
    assertTrue(allowed.containsAll(RecordingGaps.ALWAYS_ALLOWED), allowed.toString());
    assertEquals(null, seccomp.getPodSelector());
    CapabilityPolicySpec caps = r.capabilities().orElseThrow();
    assertEquals(List.of("ALL"), caps.getDrop());
    assertEquals(List.of("CHOWN", "NET_BIND_SERVICE"), caps.getAdd());
    // absent, a policy's selector would select every pod: this one matches none
    assertTrue(
        !dev.leastprivilege.core.admission.LabelSelection.matches(caps.getPodSelector(), Map.of())
            && !dev.leastprivilege.core.admission.LabelSelection.matches(
                caps.getPodSelector(), Map.of("leastprivilege.dev/recorded-by", "web")));
    // only what was recorded
    assertTrue(
        RecordingResults.of(
                "web",
                EnumSet.of(RecordingKind.Seccomp),
                base.effective(),
                SeccompAction.SCMP_ACT_ERRNO,
                List.of(app))
            .get(0)
            .capabilities()
            .isEmpty());
    // a container whose system calls no replica recorded (an Enforce profile selected it) gets
    // no profile of the base alone
    app.setSyscallsRecorded(null);
    RecordingResults.Result capsOnly =
        RecordingResults.of(
                "web",
                EnumSet.allOf(RecordingKind.class),
                base.effective(),
                SeccompAction.SCMP_ACT_ERRNO,
                List.of(app))
            .get(0);
    assertTrue(capsOnly.seccomp().isEmpty());
    assertTrue(capsOnly.capabilities().isPresent());
  }
}
