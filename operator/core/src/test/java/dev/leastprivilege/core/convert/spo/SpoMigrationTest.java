package dev.leastprivilege.core.convert.spo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The migration's rules for the shapes the command-line test does not show. */
class SpoMigrationTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final SpoNamespaces SHOP = SpoNamespaces.of("shop", List.of());

  private static List<JsonNode> docs(String yaml) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNextValue()) {
        out.add(it.nextValue());
      }
    }
    return out;
  }

  private static String profile(String name, String spec) {
    return """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {name: %s}
        spec:
        %s
        ---
        """
        .formatted(name, spec.indent(2));
  }

  private static List<String> errors(SpoMigration.Result r) {
    return r.findings().stream().filter(SpoFinding::isError).map(SpoFinding::toString).toList();
  }

  private static List<String> names(SpoMigration.Result r) {
    return r.objects().stream().map(o -> o.kind() + " " + o.ref()).toList();
  }

  @Test
  void notifyAndUnknownFlagsAreErrorsOfTheirObjectOnly() throws Exception {
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                profile(
                        "notify",
                        """
                        defaultAction: SCMP_ACT_ALLOW
                        syscalls:
                        - {action: SCMP_ACT_NOTIFY, names: [mount]}""")
                    + profile(
                        "flag",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        flags: [SECCOMP_FILTER_FLAG_NEW_LISTENER]""")
                    + profile(
                        "field",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        sycalls: []""")
                    + profile("ok", "defaultAction: SCMP_ACT_ERRNO")),
            SHOP);
    assertEquals(
        List.of(
            "SeccompProfile notify: spec.syscalls[0].action: SCMP_ACT_NOTIFY needs SPO's seccomp"
                + " agent (spec.listenerPath), which this product has no equivalent of; choose"
                + " another action, e.g. SCMP_ACT_ERRNO or SCMP_ACT_LOG",
            "SeccompProfile flag: spec.flags[0]: unknown flag"
                + " \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"; expected one of"
                + " SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG,"
                + " SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
            "SeccompProfile field: spec.sycalls: not a field of SPO's SeccompProfile; nothing to"
                + " convert it to"),
        errors(r));
    assertEquals(List.of("SeccompProfile shop/ok"), names(r));
  }

  @Test
  void aProfileOnADisabledOrBrokenBaseIsNotConverted() throws Exception {
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                profile("switched-off", "state: Disabled\ndefaultAction: SCMP_ACT_ERRNO")
                    + profile(
                        "on-off", "baseProfileName: switched-off\ndefaultAction: SCMP_ACT_ERRNO")
                    + profile("broken", "defaultAction: SCMP_ACT_NOPE")
                    + profile("on-broken", "baseProfileName: broken\ndefaultAction: SCMP_ACT_ERRNO")
                    + profile(
                        "on-on-broken", "baseProfileName: on-broken\ndefaultAction: SCMP_ACT_ERRNO")
                    + profile(
                        "crun", "baseProfileName: crun-v1.19\ndefaultAction: SCMP_ACT_ERRNO")),
            SHOP);
    List<String> errors = errors(r);
    assertTrue(
        errors.contains(
            "SeccompProfile on-off: spec.baseProfileName: base profile \"switched-off\" is disabled in SPO"),
        errors::toString);
    assertTrue(
        errors.contains(
            "SeccompProfile on-broken: spec.baseProfileName: base profile \"broken\" was not"
                + " converted (see its errors)"),
        errors::toString);
    assertTrue(
        errors.contains(
            "SeccompProfile on-on-broken: spec.baseProfileName: base profile \"on-broken\" was not"
                + " converted (see its errors)"),
        errors::toString);
    assertTrue(
        errors.contains(
            "SeccompProfile crun: spec.baseProfileName: base profile \"crun-v1.19\" is not in the"
                + " input; export it too (SPO keeps its runtime's base as an ordinary"
                + " SeccompProfile; or give --runtime-base-as-builtin to use"
                + " builtin:runtime-baseline, which allows other calls) (kubectl get"
                + " seccompprofiles.security-profiles-operator.x-k8s.io crun-v1.19 -o yaml)"),
        errors::toString);
    assertEquals(List.of(), names(r));
  }

  @Test
  void aMissingRuntimeBaseBecomesOursOnlyWhenAskedAndSaysItDiffers() throws Exception {
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(profile("crun", "baseProfileName: crun-v1.19\ndefaultAction: SCMP_ACT_ERRNO")),
            SHOP,
            true);
    assertEquals(List.of(), errors(r));
    assertEquals(List.of("SeccompProfile shop/crun"), names(r));
    assertEquals(
        "builtin:runtime-baseline",
        ((SeccompProfileSpec) r.objects().get(0).spec()).getBaseProfileName());
    long allowed =
        dev.leastprivilege.core.profile.BuiltinProfiles.find("runtime-baseline")
            .orElseThrow()
            .spec()
            .getSyscalls()
            .stream()
            .flatMap(x -> x.getNames().stream())
            .distinct()
            .count();
    assertTrue(
        r.objects().get(0).notes().stream()
            .anyMatch(
                n ->
                    n.contains("which allows " + allowed + " system calls")
                        && n.contains("It is not SPO's list")),
        r.objects().get(0).notes()::toString);
  }

  @Test
  void oneProfileHasOneSelectorPerNamespace() throws Exception {
    String binding =
        """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: ProfileBinding
        metadata: {name: %s, namespace: shop}
        spec:
          profileRef: {kind: SeccompProfile, name: web}
          image: "*"
          podSelector: {matchLabels: {app: %s}}
        ---
        """;
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                profile("web", "defaultAction: SCMP_ACT_ERRNO")
                    + binding.formatted("b", "second")
                    + binding.formatted("a", "first")),
            SpoNamespaces.of(null, List.of()));
    assertEquals(List.of("SeccompProfile shop/web"), names(r));
    SeccompProfileSpec spec = (SeccompProfileSpec) r.objects().get(0).spec();
    assertEquals("first", spec.getPodSelector().getMatchLabels().get("app"), "bindings by name");
    List<String> errors = errors(r);
    assertEquals(1, errors.size(), errors::toString);
    assertTrue(
        errors
            .get(0)
            .startsWith(
                "ProfileBinding shop/b: spec.podSelector: needs your decision: SeccompProfile"
                    + " shop/web already has the podSelector of an earlier binding"),
        errors::toString);
    assertTrue(
        r.objects().get(0).notes().stream()
            .anyMatch(
                n ->
                    n.contains("never overrides a pod's own seccompProfile")
                        && n.contains("spo.x-k8s.io/enable-binding")),
        r.objects().get(0).notes()::toString);
  }

  @Test
  void overlappingBindingsOfTwoProfilesInOneNamespaceAreAnError() throws Exception {
    String binding =
        """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: ProfileBinding
        metadata: {name: %s, namespace: %s}
        spec:
          profileRef: {kind: SeccompProfile, name: %s}
          image: "*"
        %s
        ---
        """;
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                profile("web", "defaultAction: SCMP_ACT_ERRNO")
                    + profile("api", "defaultAction: SCMP_ACT_ERRNO")
                    + profile("batch", "defaultAction: SCMP_ACT_ERRNO")
                    + binding.formatted("all-web", "shop", "web", "")
                    + binding.formatted("all-api", "shop", "api", "")
                    + binding.formatted(
                        "batch-jobs", "jobs", "batch", "  podSelector: {matchLabels: {a: b}}")
                    + binding.formatted(
                        "web-jobs", "jobs", "web", "  podSelector: {matchLabels: {a: c}}")
                    + binding.formatted(
                        "api-jobs", "jobs", "api", "  podSelector: {matchLabels: {a: b}}")),
            SpoNamespaces.of(null, List.of()));
    assertEquals(
        List.of(
            "ProfileBinding jobs/batch-jobs: spec.podSelector: selects the same pods as"
                + " ProfileBinding jobs/api-jobs (SeccompProfile api): SPO applied the last of them"
                + " silently, but this product's webhook refuses every container that two enforced"
                + " profiles select, so every such pod of jobs would be refused. Decide which"
                + " profile these pods get and give the bindings podSelectors that do not overlap",
            "ProfileBinding shop/all-web: spec.podSelector: selects the same pods as"
                + " ProfileBinding shop/all-api (SeccompProfile api): SPO applied the last of them"
                + " silently, but this product's webhook refuses every container that two enforced"
                + " profiles select, so every such pod of shop would be refused. Decide which"
                + " profile these pods get and give the bindings podSelectors that do not overlap"),
        errors(r));
    // Different labels in one namespace do not overlap: web keeps its selector in jobs.
    SeccompProfileSpec web =
        (SeccompProfileSpec)
            r.objects().stream()
                .filter(o -> o.ref().toString().equals("jobs/web"))
                .findFirst()
                .orElseThrow()
                .spec();
    assertEquals("c", web.getPodSelector().getMatchLabels().get("a"));
  }

  @Test
  void aClusterBaseGoesWhereItsChildGoesWithoutACopyForTheDefaultNamespace() throws Exception {
    String yaml =
        profile("base", "defaultAction: SCMP_ACT_ERRNO")
            + profile("web", "baseProfileName: base\ndefaultAction: SCMP_ACT_ERRNO")
            + """
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: ProfileBinding
            metadata: {name: all, namespace: shop}
            spec:
              profileRef: {kind: SeccompProfile, name: web}
              image: "*"
              podSelector: {matchLabels: {app: web}}
            """;
    SpoMigration.Result r = SpoMigration.migrate(docs(yaml), SpoNamespaces.of(null, List.of()));
    assertEquals(List.of(), errors(r));
    assertEquals(List.of("SeccompProfile shop/base", "SeccompProfile shop/web"), names(r));
    SpoMigration.Result withDefault =
        SpoMigration.migrate(docs(yaml), SpoNamespaces.of("platform", List.of()));
    assertEquals(
        List.of("SeccompProfile shop/base", "SeccompProfile shop/web"), names(withDefault));
    // A child that only the default namespace takes brings its base there too.
    SpoMigration.Result unbound =
        SpoMigration.migrate(
            docs(
                profile("base", "defaultAction: SCMP_ACT_ERRNO")
                    + profile("web", "baseProfileName: base\ndefaultAction: SCMP_ACT_ERRNO")),
            SpoNamespaces.of("platform", List.of()));
    assertEquals(
        List.of("SeccompProfile platform/base", "SeccompProfile platform/web"), names(unbound));
  }

  @Test
  void partialProfilesAndOwnershipKeysAreLeftOut() throws Exception {
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                """
                apiVersion: security-profiles-operator.x-k8s.io/v1
                kind: SeccompProfile
                metadata:
                  name: rec-web-0
                  labels: {spo.x-k8s.io/partial: "true"}
                spec: {defaultAction: SCMP_ACT_ERRNO}
                ---
                apiVersion: security-profiles-operator.x-k8s.io/v1
                kind: SeccompProfile
                metadata:
                  name: web
                  labels:
                    team: shop
                    app.kubernetes.io/managed-by: Helm
                    app.kubernetes.io/instance: spo-profiles
                    argocd.argoproj.io/instance: profiles
                    kustomize.toolkit.fluxcd.io/name: profiles
                  annotations:
                    description: the web profile
                    meta.helm.sh/release-name: spo-profiles
                    helm.sh/resource-policy: keep
                spec: {defaultAction: SCMP_ACT_ERRNO}
                """),
            SHOP);
    assertEquals(List.of("SeccompProfile shop/web"), names(r));
    assertTrue(
        r.findings().stream()
            .anyMatch(
                f ->
                    f.toString()
                        .startsWith(
                            "SeccompProfile rec-web-0: metadata.labels.spo.x-k8s.io/partial:"
                                + " skipped: a partial profile")),
        r.findings()::toString);
    assertEquals(java.util.Map.of("team", "shop"), r.objects().get(0).labels());
    assertEquals(
        java.util.Map.of("description", "the web profile"), r.objects().get(0).annotations());
  }

  @Test
  void malformedRulesAreErrorsNamingTheFieldAndTheGoodObjectsStillConvert() throws Exception {
    SpoMigration.Result r =
        SpoMigration.migrate(
            docs(
                profile("map", "defaultAction: SCMP_ACT_ERRNO\nsyscalls: {a: b}")
                    + profile(
                        "errno",
                        """
                        defaultAction: SCMP_ACT_ALLOW
                        syscalls:
                        - {action: SCMP_ACT_ERRNO, names: [mount], errnoRet: EPERM}""")
                    + profile(
                        "index",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        syscalls:
                        - action: SCMP_ACT_ALLOW
                          names: [personality]
                          args: [{index: "a", value: 8, op: SCMP_CMP_EQ}]""")
                    + profile(
                        "docker",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        syscalls:
                        - action: SCMP_ACT_ALLOW
                          names: [bpf]
                          includes: {caps: [CAP_SYS_ADMIN]}""")
                    + profile(
                        "arg-field",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        syscalls:
                        - action: SCMP_ACT_ALLOW
                          names: [personality]
                          args: [{index: 0, value: 8, op: SCMP_CMP_EQ, excludes: {}}]""")
                    + profile("arches", "defaultAction: SCMP_ACT_ERRNO\narchitectures: x86")
                    + profile(
                        "ok",
                        """
                        defaultAction: SCMP_ACT_ERRNO
                        syscalls:
                        - action: SCMP_ACT_ALLOW
                          names: [personality]
                          args: [{index: 0, op: SCMP_CMP_MASKED_EQ}]""")),
            SHOP);
    List<String> errors = errors(r);
    assertEquals(6, errors.size(), errors::toString);
    assertEquals("SeccompProfile map: spec.syscalls: must be a list, not object", errors.get(0));
    assertTrue(
        errors.get(1).startsWith("SeccompProfile errno: spec.syscalls[0].errnoRet: "),
        errors::toString);
    assertTrue(
        errors.get(2).startsWith("SeccompProfile index: spec.syscalls[0].args[0].index: "),
        errors::toString);
    assertTrue(
        errors
            .get(3)
            .startsWith(
                "SeccompProfile docker: spec.syscalls[0].includes: unknown field \"includes\""),
        errors::toString);
    assertTrue(
        errors
            .get(4)
            .startsWith(
                "SeccompProfile arg-field: spec.syscalls[0].args[0].excludes: unknown field"
                    + " \"excludes\""),
        errors::toString);
    assertEquals(
        "SeccompProfile arches: spec.architectures: must be a list, not string", errors.get(5));
    assertEquals(List.of("SeccompProfile shop/ok"), names(r));
    SeccompProfileSpec ok = (SeccompProfileSpec) r.objects().get(0).spec();
    assertEquals(0L, ok.getSyscalls().get(0).getArgs().get(0).getValue());
    assertEquals(0L, ok.getSyscalls().get(0).getArgs().get(0).getValueTwo());
  }

  @Test
  void mapEntriesAreParsedAndCheckedOnTheirOwn() {
    SpoNamespaces n = SpoNamespaces.of("d", List.of("web=a, b", "shop/api=c", "web=b,e"));
    assertEquals(List.of("a", "b", "e"), n.mapped(null, "web").orElseThrow());
    assertEquals(List.of("c"), n.mapped("shop", "api").orElseThrow());
    assertTrue(n.mapped("other", "api").isEmpty());
    for (String bad : List.of("web", "=a", "web=", "web=,")) {
      IllegalArgumentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              IllegalArgumentException.class, () -> SpoNamespaces.of(null, List.of(bad)));
      assertTrue(e.getMessage().startsWith("\"" + bad + "\" is not NAME=NAMESPACE"), e::getMessage);
    }
  }
}
