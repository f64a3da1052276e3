package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LintCommandTest {
  @TempDir Path dir;

  @Test
  void validExamplesPass() {
    Cli.Result r =
        Cli.run(
            "lint",
            Cli.EXAMPLES.resolve("seccomp").toString(),
            Cli.EXAMPLES.resolve("capabilities").toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("objects checked: 0 errors"), r.out());
  }

  @Test
  void theExamplePolicyRepositoryPassesItsOwnCi() {
    // examples/gitops/policy-repo/ci/lint.sh runs exactly this.
    Cli.Result r =
        Cli.run("lint", "--strict", Cli.EXAMPLES.resolve("gitops/policy-repo/policies").toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("3 objects checked: 0 errors, 0 warnings"), r.out());
  }

  @Test
  void errorsNameFileObjectAndField() {
    Cli.Result r = Cli.run("lint", Cli.EXAMPLES.resolve("invalid").toString());
    assertEquals(1, r.code());
    assertTrue(
        r.out()
            .contains(
                "examples/invalid/typo.yaml:2: SeccompProfile demo/typo: error:"
                    + " spec.syscalls[1].names[0]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64 (did you mean \"chmod\"?)"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "CapabilityPolicy demo/bad-capability: error: spec.add[0]: unknown capability"
                    + " \"NET_BIND\""),
        r.out());
  }

  @Test
  void namesOfOtherArchitecturesWarnAndOnlyStrictFails() throws Exception {
    Path f =
        Files.writeString(
            dir.resolve("high-risk.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: high-risk, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_LOG
          mode: Audit
          architectures: [SCMP_ARCH_X86_64]
          syscalls:
            - names: [settimeofday, stime, umount2, umount, vm86old, vm86]
              action: SCMP_ACT_ERRNO
        """);
    Cli.Result r = Cli.run("lint", f.toString());
    assertEquals(0, r.code(), r.out());
    assertTrue(r.out().contains("1 objects checked: 0 errors"), r.out());
    assertTrue(
        r.out()
            .contains(
                "high-risk.yaml:1: SeccompProfile shop/high-risk: warning:"
                    + " spec.syscalls: 4 names are not a system call on SCMP_ARCH_X86_64:"
                    + " \"stime\" (spec.syscalls[0].names[1]) is a system call on"),
        r.out());
    for (String n : new String[] {"umount", "vm86old", "vm86"}) {
      assertTrue(r.out().contains("\"" + n + "\" (spec.syscalls[0]"), n + "\n" + r.out());
    }
    assertTrue(
        r.out()
            .contains(
                "runc and libseccomp skip a name the filter's architecture does not have, so"
                    + " these entries have no effect on nodes of the listed architectures"),
        r.out());
    assertEquals(1, Cli.run("lint", "--strict", f.toString()).code(), "--strict fails on them");

    // The same shape as SPO writes it, linted as it is: warnings, no errors.
    Path spo =
        Files.writeString(
            dir.resolve("spo.yaml"),
            """
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata: {name: complain-block-high-risk}
        spec:
          defaultAction: SCMP_ACT_LOG
          architectures: [SCMP_ARCH_X86_64]
          syscalls:
            - action: SCMP_ACT_ERRNO
              names: [bpf, settimeofday, stime, umount2, umount, vm86old, vm86]
        """);
    Cli.Result spoLint = Cli.run("lint", spo.toString());
    assertEquals(0, spoLint.code(), spoLint.out());
    // Without the x86_64 names, the i386 ones refuse nothing on x86_64: an error, not a warning.
    Files.writeString(
        spo, Files.readString(spo).replace("settimeofday, ", "").replace("umount2, ", ""));
    Cli.Result failOpen = Cli.run("lint", spo.toString());
    assertEquals(1, failOpen.code(), failOpen.out());
    assertTrue(
        failOpen
            .out()
            .contains(
                "spec.syscalls[0].names[1]: \"stime\" is not a system call on SCMP_ARCH_X86_64,"
                    + " so this rule refuses nothing there"),
        failOpen.out());
    assertTrue(spoLint.out().contains("or convert the export with lpo migrate spo"), spoLint.out());
    assertTrue(
        spoLint.out().contains("\"vm86old\" (spec.syscalls[0].names[5]) is a system call on"),
        spoLint.out());
  }

  @Test
  void typeErrorsNameTheField() throws Exception {
    Path f =
        Files.writeString(
            dir.resolve("p.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: p, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - names: [read]
              action: SCMP_ACT_ALLOW
              args: [{index: 0, value: 1, op: SCMP_CMP_NOPE}]
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: q, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          sycalls: []
        """);
    Cli.Result r = Cli.run("lint", f.toString());
    assertEquals(1, r.code());
    assertTrue(
        r.out()
            .contains(
                "SeccompProfile shop/p: error: spec.syscalls[0].args[0].op: unsupported value"
                    + " \"SCMP_CMP_NOPE\"; expected one of SCMP_CMP_NE"),
        r.out());
    assertTrue(
        r.out().contains("SeccompProfile shop/q: error: spec.sycalls: unknown field \"sycalls\""),
        r.out());
  }

  @Test
  void malformedYamlGivesFileAndLineAndKeepsWhatWasRead() throws Exception {
    Path good =
        Files.writeString(
            dir.resolve("a-good.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: ok, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}
        """);
    Files.writeString(dir.resolve("b-bad.yaml"), "kind: SeccompProfile\nspec: [unclosed\n");
    Cli.Result r = Cli.run("lint", dir.toString());
    assertEquals(1, r.code());
    assertTrue(r.out().contains("b-bad.yaml:2: malformed YAML"), r.out());
    assertTrue(r.out().startsWith("error: "), r.out());
    assertTrue(
        r.out().contains("1 objects checked: 1 error"), "a-good.yaml still counted: " + r.out());
    assertTrue(Files.exists(good));
  }

  @Test
  void strictFailsOnWarningsAndJsonIsMachineReadable() throws Exception {
    Path f = Cli.EXAMPLES.resolve("seccomp/deny-chmod.yaml");
    assertEquals(0, Cli.run("lint", f.toString()).code());
    assertEquals(1, Cli.run("lint", "--strict", f.toString()).code());
    Cli.Result r = Cli.run("lint", "-o", "json", Cli.EXAMPLES.resolve("invalid").toString());
    JsonNode report = new ObjectMapper().readTree(r.out());
    assertEquals(2, report.get("objects").asInt());
    assertEquals(2, report.get("errors").asInt());
    assertEquals(
        "spec.syscalls[1].names[0]",
        report.get("findings").get(0).get("errors").get(0).get("path").asText());
  }

  /** The limits and the selector rules, as lpo lint reports them: file, object and field. */
  @Test
  void limitsAndSelectorsNameTheField() throws Exception {
    StringBuilder rules = new StringBuilder();
    for (int k = 0; k < 501; k++) {
      rules.append(
          "    - {names: [personality], action: SCMP_ACT_ALLOW, args: [{index: 0, value: %d, op: SCMP_CMP_EQ}]}\n"
              .formatted(1000 + k));
    }
    Path f =
        Files.writeString(
            dir.resolve("big.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: big, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
        %s---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: typo, namespace: shop}
        spec:
          podSelector:
            matchExpressions: [{key: app, operator: In}]
        """
                .formatted(rules));
    Cli.Result r = Cli.run("lint", f.toString());
    assertEquals(1, r.code(), r.out());
    assertTrue(
        r.out()
            .contains(
                "big.yaml:1: SeccompProfile shop/big: error: spec.syscalls: the profile renders to"
                    + " 501 rules; at most 200 are allowed"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "CapabilityPolicy shop/typo: error: spec.podSelector.matchExpressions[0].values:"
                    + " required when operator is In"),
        r.out());
  }

  @Test
  void cyclesAndDuplicatesAcrossFiles() throws Exception {
    Files.writeString(
        dir.resolve("loop.yaml"),
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: loop-a, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: loop-b}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: loop-b, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: loop-a}
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: loop-b, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO}
        """);
    Cli.Result r = Cli.run("lint", dir.toString());
    assertTrue(
        r.out()
            .contains(
                "SeccompProfile shop/loop-a: error: spec.baseProfileName: cycle shop/loop-a ->"
                    + " shop/loop-b -> shop/loop-a"),
        r.out());
    assertTrue(r.out().contains("SeccompProfile shop/loop-b is defined more than once"), r.out());
  }
}
