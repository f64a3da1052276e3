package dev.leastprivilege.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SelectorRequirement;
import dev.leastprivilege.core.ProfileRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MutationPlannerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final MutationPlanner planner = new MutationPlanner("lpo-system");

  // --- seccomp ---

  @Test
  void selectedPodGetsTheProfileAndTheLabel() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"), container("sidecar"));
    AdmissionPlan plan =
        plan(
            pod, profiles(profile("web-profile", selector("app", "web"), List.of(), Mode.Enforce)));
    JsonNode after = apply(pod, plan);
    assertTrue(plan.allowed());
    assertEquals(
        localhost("team", "web-profile"),
        after.at("/spec/containers/0/securityContext/seccompProfile"));
    assertEquals(
        localhost("team", "web-profile"),
        after.at("/spec/containers/1/securityContext/seccompProfile"));
    assertEquals("true", after.at("/metadata/labels/leastprivilege.dev~1uses-profiles").asText());
    assertEquals("web", after.at("/metadata/labels/app").asText());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void containerNamesNarrowTheProfileToSomeContainers() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"), container("sidecar"));
    JsonNode after =
        apply(
            pod,
            plan(
                pod, profiles(profile("p", selector("app", "web"), List.of("web"), Mode.Enforce))));
    assertEquals(
        localhost("team", "p"), after.at("/spec/containers/0/securityContext/seccompProfile"));
    assertTrue(after.at("/spec/containers/1/securityContext").isMissingNode());
  }

  @Test
  void initContainersAreCoveredToo() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) pod.with("spec").withArray("initContainers"))
        .add(container("init"));
    JsonNode after =
        apply(
            pod,
            plan(pod, profiles(profile("p", selector("app", "web"), List.of(), Mode.Enforce))));
    assertEquals(
        localhost("team", "p"), after.at("/spec/initContainers/0/securityContext/seccompProfile"));
  }

  @Test
  void aPodThatMatchesNothingIsUntouched() {
    ObjectNode pod = pod("team", Map.of("app", "db"), container("db"));
    AdmissionPlan plan =
        plan(
            pod,
            new NamespacePolicies(
                Map.of(),
                List.of(profile("p", selector("app", "web"), List.of(), Mode.Enforce)),
                List.of(
                    policy(
                        "caps",
                        selector("app", "web"),
                        Mode.Enforce,
                        List.of(),
                        List.of(),
                        List.of()))));
    assertTrue(plan.allowed());
    assertFalse(plan.changes());
    assertEquals(List.of(), plan.warnings());
  }

  @Test
  void aProfileWithoutSelectorSelectsNoPodButAnEmptySelectorSelectsAll() {
    ObjectNode pod = pod("team", Map.of("app", "db"), container("db"));
    assertFalse(plan(pod, profiles(profile("base", null, List.of(), Mode.Enforce))).changes());
    JsonNode after =
        apply(pod, plan(pod, profiles(profile("all", new PodSelector(), List.of(), Mode.Enforce))));
    assertEquals(
        localhost("team", "all"), after.at("/spec/containers/0/securityContext/seccompProfile"));
  }

  @Test
  void matchExpressionsAreHonoured() {
    PodSelector s = new PodSelector();
    s.getMatchExpressions().add(new SelectorRequirement("tier", "In", List.of("front", "edge")));
    s.getMatchExpressions().add(new SelectorRequirement("legacy", "DoesNotExist", List.of()));
    NamespacePolicies ns = profiles(profile("p", s, List.of(), Mode.Enforce));
    assertTrue(plan(pod("team", Map.of("tier", "edge"), container("c")), ns).changes());
    assertFalse(plan(pod("team", Map.of("tier", "back"), container("c")), ns).changes());
    assertFalse(
        plan(pod("team", Map.of("tier", "edge", "legacy", "1"), container("c")), ns).changes());
  }

  /**
   * A selector Kubernetes would refuse (In without values) fails closed: it selects every pod of
   * the namespace, whatever its labels, so an Enforce policy with a typo keeps enforcing.
   */
  @Test
  void anInvalidSelectorSelectsEveryPodOfTheNamespace() {
    PodSelector typo = new PodSelector();
    typo.getMatchExpressions().add(new SelectorRequirement("app", "In", List.of()));
    NamespacePolicies caps =
        policies(policy("caps", typo, Mode.Enforce, List.of("ALL"), List.of(), List.of()));
    for (Map<String, String> labels : List.of(Map.<String, String>of(), Map.of("app", "web"))) {
      JsonNode after =
          apply(
              pod("team", labels, container("c")), plan(pod("team", labels, container("c")), caps));
      assertEquals(
          json("['ALL']"),
          after.at("/spec/containers/0/securityContext/capabilities/drop"),
          "labels " + labels);
    }
    NamespacePolicies seccomp = profiles(profile("p", typo, List.of(), Mode.Enforce));
    assertTrue(plan(pod("team", Map.of("other", "x"), container("c")), seccomp).changes());
  }

  @Test
  void kubeSystemTheOperatorsNamespaceAndOptedOutNamespacesAreNeverTouched() {
    NamespacePolicies ns =
        new NamespacePolicies(
            Map.of(),
            List.of(profile("p", new PodSelector(), List.of(), Mode.Enforce)),
            List.of(policy("caps", null, Mode.Enforce, List.of(), List.of(), List.of())));
    for (String namespace : List.of("kube-system", "lpo-system")) {
      AdmissionPlan plan = plan(pod(namespace, Map.of(), container("c")), ns);
      assertTrue(plan.allowed());
      assertFalse(plan.changes(), namespace);
    }
    NamespacePolicies optedOut =
        new NamespacePolicies(
            Map.of("leastprivilege.dev/ignore", "true"), ns.profiles(), ns.policies());
    assertFalse(plan(pod("team", Map.of(), container("c")), optedOut).changes());
  }

  @Test
  void annotationsPickAProfileAndPerContainerBeatsPodWide() {
    ObjectNode pod = pod("team", Map.of(), container("web"), container("sidecar"));
    pod.with("metadata")
        .with("annotations")
        .put("leastprivilege.dev/seccomp-profile", "general")
        .put("leastprivilege.dev/seccomp-profile.sidecar", "narrow");
    NamespacePolicies ns =
        profiles(
            profile("general", null, List.of(), Mode.Enforce),
            profile("narrow", null, List.of(), Mode.Enforce),
            profile("selecting", new PodSelector(), List.of(), Mode.Audit));
    JsonNode after = apply(pod, plan(pod, ns));
    assertEquals(
        localhost("team", "general"),
        after.at("/spec/containers/0/securityContext/seccompProfile"));
    assertEquals(
        localhost("team", "narrow"), after.at("/spec/containers/1/securityContext/seccompProfile"));
  }

  @Test
  void anAnnotationCannotChooseAwayFromASelectingEnforceProfile() {
    ObjectNode pod = pod("team", Map.of(), container("web"));
    pod.with("metadata").with("annotations").put("leastprivilege.dev/seccomp-profile", "loose");
    NamespacePolicies ns =
        profiles(
            profile("loose", null, List.of(), Mode.Audit),
            profile("strict", new PodSelector(), List.of(), Mode.Enforce));
    AdmissionPlan plan = plan(pod, ns);
    assertFalse(plan.allowed());
    assertEquals(
        "annotation leastprivilege.dev/seccomp-profile names SeccompProfile \"loose\", but SeccompProfile"
            + " strict selects container web in Enforce mode; the annotation may only choose among the Enforce profiles"
            + " that select the container",
        plan.message());
  }

  @Test
  void anAnnotationNamingAMissingProfileIsRefused() {
    ObjectNode pod = pod("team", Map.of(), container("web"));
    pod.with("metadata").with("annotations").put("leastprivilege.dev/seccomp-profile", "nope");
    AdmissionPlan plan = plan(pod, profiles());
    assertFalse(plan.allowed());
    assertEquals(
        "annotation leastprivilege.dev/seccomp-profile names SeccompProfile \"nope\", which does not exist"
            + " in namespace team",
        plan.message());
  }

  @Test
  void twoEnforcingProfilesOnOneContainerRefuseThePodNamingBoth() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"));
    AdmissionPlan plan =
        plan(
            pod,
            profiles(
                profile("b-profile", selector("app", "web"), List.of(), Mode.Enforce),
                profile("a-profile", new PodSelector(), List.of(), Mode.Audit)));
    assertFalse(plan.allowed());
    assertEquals(
        "container web is selected by SeccompProfiles a-profile and b-profile; choose one with the"
            + " annotation leastprivilege.dev/seccomp-profile.web: <name>",
        plan.message());
    pod.with("metadata")
        .with("annotations")
        .put("leastprivilege.dev/seccomp-profile.web", "b-profile");
    assertTrue(
        plan(
                pod,
                profiles(
                    profile("b-profile", selector("app", "web"), List.of(), Mode.Enforce),
                    profile("a-profile", new PodSelector(), List.of(), Mode.Audit)))
            .allowed());
  }

  @Test
  void twoAuditProfilesWarnAndTheFirstByNameIsUsed() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"));
    AdmissionPlan plan =
        plan(
            pod,
            profiles(
                profile("zeta", new PodSelector(), List.of(), Mode.Audit),
                profile("alpha", new PodSelector(), List.of(), Mode.Audit)));
    assertTrue(plan.allowed());
    assertEquals(
        localhost("team", "alpha"),
        apply(pod, plan).at("/spec/containers/0/securityContext/seccompProfile"));
    assertEquals(1, plan.warnings().size());
    assertTrue(
        plan.warnings().get(0).contains("selected by SeccompProfiles alpha and zeta (all Audit)"));
  }

  @Test
  void referencingAnotherNamespacesProfileIsRefusedHoweverThePathIsSpelled() {
    for (String path :
        List.of(
            "leastprivilege/other/p.json",
            "./leastprivilege//other/p.json",
            "leastprivilege/team/../other/p.json",
            "leastprivilege/other.json")) {
      ObjectNode c = container("web");
      c.putObject("securityContext")
          .putObject("seccompProfile")
          .put("type", "Localhost")
          .put("localhostProfile", path);
      AdmissionPlan plan = plan(pod("team", Map.of(), c), profiles());
      assertFalse(plan.allowed(), path);
      assertEquals(
          "container web securityContext.seccompProfile: localhostProfile \""
              + path
              + "\" is not a profile"
              + " of namespace team; pods may use only their own namespace's SeccompProfiles"
              + " (leastprivilege/team/<name>.json)",
          plan.message());
    }
    ObjectNode pod = pod("team", Map.of(), container("web"));
    pod.with("spec")
        .putObject("securityContext")
        .putObject("seccompProfile")
        .put("type", "Localhost")
        .put("localhostProfile", "leastprivilege/other/p.json");
    assertTrue(
        plan(pod, profiles())
            .message()
            .startsWith("spec.securityContext.seccompProfile: localhostProfile"));
  }

  @Test
  void aDirectReferenceToOurOwnProfileIsLabelledAndWarnedAboutWhenNotInstalled() {
    ObjectNode c = container("web");
    c.putObject("securityContext")
        .putObject("seccompProfile")
        .put("type", "Localhost")
        .put("localhostProfile", "leastprivilege/team/p.json");
    ObjectNode pod = pod("team", Map.of("app", "x"), c);
    AdmissionPlan plan =
        plan(
            pod,
            profiles(
                new ProfileCandidate(
                    new ProfileRef("team", "p"),
                    null,
                    List.of(),
                    Mode.Enforce,
                    false,
                    "Installing, 0/3 nodes")));
    assertTrue(plan.allowed());
    assertEquals(
        "true", apply(pod, plan).at("/metadata/labels/leastprivilege.dev~1uses-profiles").asText());
    assertEquals(
        List.of(
            "SeccompProfile team/p is not installed on every node yet (Installing, 0/3 nodes); a"
                + " container may fail with CreateContainerError until it is"),
        plan.warnings());
  }

  @Test
  void aSelectedProfileNotInstalledEverywhereGivesAWarning() {
    ObjectNode pod = pod("team", Map.of(), container("web"));
    AdmissionPlan plan =
        plan(
            pod,
            profiles(
                new ProfileCandidate(
                    new ProfileRef("team", "p"),
                    new PodSelector(),
                    List.of(),
                    Mode.Enforce,
                    false,
                    "Partial, 2/3 nodes")));
    assertTrue(plan.allowed());
    assertTrue(plan.changes());
    assertEquals(1, plan.warnings().size());
    assertTrue(
        plan.warnings()
            .get(0)
            .startsWith("SeccompProfile team/p is not installed on every node yet (Partial"));
  }

  // --- capabilities ---

  @Test
  void aPolicyDropsAllByDefaultAndAddsItsAddList() {
    ObjectNode pod = pod("team", Map.of("app", "web"), container("web"));
    JsonNode after =
        apply(
            pod,
            plan(
                pod,
                policies(
                    policy(
                        "caps",
                        selector("app", "web"),
                        Mode.Enforce,
                        List.of(),
                        List.of("NET_BIND_SERVICE"),
                        List.of()))));
    assertEquals(
        json("{'drop':['ALL'],'add':['NET_BIND_SERVICE']}"),
        after.at("/spec/containers/0/securityContext/capabilities"));
    assertEquals("true", after.at("/metadata/labels/leastprivilege.dev~1uses-profiles").asText());
  }

  @Test
  void whatTheContainerAsksForIsKeptWhenAllowed() {
    ObjectNode c = container("web");
    c.putObject("securityContext")
        .put("runAsUser", 1000)
        .putObject("capabilities")
        .putArray("add")
        .add("cap_chown");
    ObjectNode pod = pod("team", Map.of(), c);
    JsonNode after =
        apply(
            pod,
            plan(
                pod,
                policies(
                    policy(
                        "caps",
                        null,
                        Mode.Enforce,
                        List.of("NET_RAW"),
                        List.of(),
                        List.of("CHOWN")))));
    assertEquals(
        json("{'drop':['NET_RAW'],'add':['CHOWN']}"),
        after.at("/spec/containers/0/securityContext/capabilities"));
    assertEquals(1000, after.at("/spec/containers/0/securityContext/runAsUser").asInt());
  }

  @Test
  void enforceRefusesACapabilityOutsideAddAndAllowedNamingContainerCapabilityAndPolicy() {
    ObjectNode c = container("web");
    c.putObject("securityContext")
        .putObject("capabilities")
        .putArray("add")
        .add("SYS_ADMIN")
        .add("CHOWN");
    AdmissionPlan plan =
        plan(
            pod("team", Map.of(), c),
            policies(
                policy(
                    "caps",
                    null,
                    Mode.Enforce,
                    List.of(),
                    List.of("NET_BIND_SERVICE"),
                    List.of("CHOWN"))));
    assertFalse(plan.allowed());
    assertEquals(
        "container web asks for capability SYS_ADMIN, which CapabilityPolicy caps does not allow (add:"
            + " [NET_BIND_SERVICE], allowed: [CHOWN])",
        plan.message());
    assertFalse(plan.changes());
  }

  @Test
  void anUnknownCapabilityIsRefusedWithItsField() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("NET_BIND_SERVIC");
    AdmissionPlan plan =
        plan(
            pod("team", Map.of(), c),
            policies(policy("caps", null, Mode.Enforce, List.of(), List.of(), List.of())));
    assertFalse(plan.allowed());
    assertTrue(
        plan.message()
            .startsWith(
                "container web: securityContext.capabilities.add[0]: unknown capability"
                    + " \"NET_BIND_SERVIC\""),
        plan.message());

    // Audit admits as written: the unknown name is pointed out, not refused.
    AdmissionPlan audit =
        plan(
            pod("team", Map.of(), c),
            policies(policy("caps", null, Mode.Audit, List.of(), List.of(), List.of())));
    assertTrue(audit.allowed(), audit.message());
    assertFalse(audit.changes());
    assertTrue(
        audit.warnings().stream()
            .anyMatch(
                w ->
                    w.startsWith(
                            "container web: securityContext.capabilities"
                                + ".add[0]: unknown capability \"NET_BIND_SERVIC\"")
                        && w.endsWith("; an Enforce policy would refuse the pod")),
        audit.warnings().toString());
  }

  @Test
  void askingForAllIsRefusedUnlessEverythingIsAllowed() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("ALL");
    AdmissionPlan plan =
        plan(
            pod("team", Map.of(), c),
            policies(policy("caps", null, Mode.Enforce, List.of(), List.of(), List.of("CHOWN"))));
    assertEquals(
        "container web asks for ALL capabilities, which CapabilityPolicy caps does not allow",
        plan.message());
  }

  @Test
  void auditAdmitsThePodUnchangedWithAWarning() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("SYS_ADMIN");
    ObjectNode pod = pod("team", Map.of(), c);
    AdmissionPlan plan =
        plan(pod, policies(policy("caps", null, Mode.Audit, List.of(), List.of(), List.of())));
    assertTrue(plan.allowed());
    assertFalse(plan.changes());
    assertEquals(
        List.of(
            "container web violates CapabilityPolicy caps (Audit, admitted unchanged): does not drop ALL,"
                + " adds SYS_ADMIN"),
        plan.warnings());
  }

  @Test
  void severalPoliciesCombineToTheMostRestrictiveResult() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("CHOWN");
    ObjectNode pod = pod("team", Map.of(), c);
    NamespacePolicies ns =
        policies(
            policy(
                "a",
                null,
                Mode.Enforce,
                List.of("NET_RAW"),
                List.of("NET_BIND_SERVICE", "KILL"),
                List.of("CHOWN")),
            policy(
                "b",
                null,
                Mode.Enforce,
                List.of("MKNOD"),
                List.of("NET_BIND_SERVICE"),
                List.of("CHOWN", "KILL")));
    JsonNode after = apply(pod, plan(pod, ns));
    // add: both add NET_BIND_SERVICE; KILL is only a's add (b merely allows it), and the container
    // asked for CHOWN,
    // which both allow. drop: the union.
    assertEquals(
        json("{'drop':['NET_RAW','MKNOD'],'add':['CHOWN','NET_BIND_SERVICE']}"),
        after.at("/spec/containers/0/securityContext/capabilities"));
    NamespacePolicies stricter =
        policies(
            ns.policies().get(0), policy("c", null, Mode.Enforce, List.of(), List.of(), List.of()));
    AdmissionPlan refused = plan(pod, stricter);
    assertEquals(
        "container web asks for capability CHOWN, which CapabilityPolicy c does not allow (add: [], allowed:"
            + " [])",
        refused.message());
  }

  @Test
  void refusalsListEveryProblemAtOnce() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("SYS_ADMIN");
    ObjectNode pod = pod("team", Map.of(), c);
    pod.with("metadata").with("annotations").put("leastprivilege.dev/seccomp-profile", "nope");
    AdmissionPlan plan =
        plan(
            pod,
            new NamespacePolicies(
                Map.of(),
                List.of(),
                List.of(policy("caps", null, Mode.Enforce, List.of(), List.of(), List.of()))));
    assertTrue(
        plan.message().contains("names SeccompProfile \"nope\"")
            && plan.message().contains("SYS_ADMIN"),
        plan.message());
  }

  // --- idempotence ---

  @Test
  void admittingAnAlreadyPatchedPodChangesNothing() {
    ObjectNode c = container("web");
    c.putObject("securityContext").putObject("capabilities").putArray("add").add("CAP_CHOWN");
    ObjectNode pod = pod("team", Map.of("app", "web"), c, container("sidecar"));
    NamespacePolicies ns =
        new NamespacePolicies(
            Map.of(),
            List.of(profile("p", selector("app", "web"), List.of("web"), Mode.Enforce)),
            List.of(
                policy(
                    "a",
                    null,
                    Mode.Enforce,
                    List.of(),
                    List.of("NET_BIND_SERVICE"),
                    List.of("CHOWN")),
                policy(
                    "b",
                    null,
                    Mode.Enforce,
                    List.of("NET_RAW"),
                    List.of("NET_BIND_SERVICE"),
                    List.of("CHOWN"))));
    AdmissionPlan first = plan(pod, ns);
    assertTrue(first.changes());
    JsonNode once = apply(pod, first);
    AdmissionPlan second = plan((ObjectNode) once, ns);
    assertTrue(second.allowed());
    assertFalse(second.changes(), () -> "second patch: " + second.patch());
    assertEquals(List.of(), second.warnings());
  }

  // --- helpers ---

  private AdmissionPlan plan(ObjectNode pod, NamespacePolicies ns) {
    return planner.plan(AdmittedPod.of(pod, pod.at("/metadata/namespace").asText()), ns);
  }

  private static NamespacePolicies profiles(ProfileCandidate... p) {
    return new NamespacePolicies(Map.of(), List.of(p), List.of());
  }

  private static NamespacePolicies policies(PolicyCandidate... p) {
    return new NamespacePolicies(Map.of(), List.of(), List.of(p));
  }

  private static ProfileCandidate profile(
      String name, PodSelector selector, List<String> containers, Mode mode) {
    return new ProfileCandidate(
        new ProfileRef("team", name), selector, containers, mode, true, "Installed");
  }

  private static PolicyCandidate policy(
      String name,
      PodSelector selector,
      Mode mode,
      List<String> drop,
      List<String> add,
      List<String> allowed) {
    CapabilityPolicySpec spec = new CapabilityPolicySpec();
    spec.setPodSelector(selector);
    spec.setMode(mode);
    spec.setDrop(new ArrayList<>(drop));
    spec.setAdd(new ArrayList<>(add));
    spec.setAllowed(new ArrayList<>(allowed));
    return PolicyCandidate.of(name, spec);
  }

  private static PodSelector selector(String key, String value) {
    PodSelector s = new PodSelector();
    s.getMatchLabels().put(key, value);
    return s;
  }

  private static ObjectNode pod(String ns, Map<String, String> labels, ObjectNode... containers) {
    ObjectNode pod = JSON.createObjectNode();
    pod.put("apiVersion", "v1").put("kind", "Pod");
    ObjectNode meta = pod.putObject("metadata").put("name", "pod").put("namespace", ns);
    if (!labels.isEmpty()) {
      labels.forEach(meta.putObject("labels")::put);
    }
    var list = pod.putObject("spec").putArray("containers");
    for (ObjectNode c : containers) {
      list.add(c);
    }
    return pod;
  }

  private static ObjectNode container(String name) {
    return JSON.createObjectNode().put("name", name).put("image", "busybox");
  }

  private static JsonNode localhost(String ns, String name) {
    return json(
        "{'type':'Localhost','localhostProfile':'leastprivilege/" + ns + "/" + name + ".json'}");
  }

  private static JsonNode json(String singleQuoted) {
    try {
      return JSON.readTree(singleQuoted.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Applies the plan's JSON Patch; the planner emits only "add" operations on objects. */
  static JsonNode apply(ObjectNode pod, AdmissionPlan plan) {
    return dev.leastprivilege.core.attacks.JsonPatches.apply(pod, plan.patch());
  }
}
