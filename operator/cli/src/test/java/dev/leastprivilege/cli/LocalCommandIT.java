package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lpo local: the in-memory API server, the operator and an agent, as the README's first command
 * runs them.
 */
class LocalCommandIT {
  @TempDir Path dir;

  @Test
  void examplesAreInstalledAndTheInvalidOneExplained() throws Exception {
    Path root = dir.resolve("kubelet/seccomp");
    Cli.Result r =
        Cli.run(
            "local",
            "--apply",
            Cli.EXAMPLES.toString(),
            "--kubelet-root",
            root.toString(),
            "--exit-when-ready");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(
        r.err()
            .contains(
                "examples/gitops/argocd/application.yaml:4: skipped: argoproj.io/v1alpha1"
                    + " Application is not a kind this local API server serves"),
        r.err());
    assertTrue(
        r.out().matches("(?s).*shop\\s+web-allowlist\\s+Enforce\\s+Installed\\s+1/1.*"),
        "the GitOps example's policies are applied too: " + r.out());
    assertTrue(
        r.out().matches("(?s).*demo\\s+deny-chmod\\s+Enforce\\s+Installed\\s+1/1.*"), r.out());
    assertTrue(r.out().matches("(?s).*demo\\s+web-audit\\s+Audit\\s+Installed\\s+1/1.*"), r.out());
    assertTrue(
        r.out()
            .matches(
                "(?s).*demo\\s+typo\\s+Enforce\\s+Failed\\s+0/1\\s+spec\\.syscalls\\[1\\]\\.names\\[0\\]:"
                    + " unknown syscall \"chmodd\" for SCMP_ARCH_X86_64 \\(did you mean \"chmod\"\\?\\).*"),
        r.out());
    // Invalid, but still enforced as far as it can be: its pods are counted too.
    assertTrue(
        r.out()
            .matches(
                "(?s).*demo\\s+bad-capability\\s+Enforce\\s+False\\s+0\\s+0\\s+spec\\.add\\[0\\]: unknown"
                    + " capability \"NET_BIND\".*"),
        r.out());

    // The example pods went through the webhook: patched, or refused with the reason.
    assertTrue(
        r.out()
            .contains(
                "  demo/web: admitted\n    web: seccompProfile Localhost"
                    + " leastprivilege/demo/web-allowlist.json; capabilities drop [ALL] add [NET_BIND_SERVICE]\n"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "  demo/chown-batch: refused: container job asks for capability CHOWN, which"
                    + " CapabilityPolicy drop-all does not allow (add: [], allowed: [])\n"),
        r.out());
    assertTrue(
        r.out()
            .contains(
                "  team-b/borrower: refused: container app securityContext.seccompProfile:"
                    + " localhostProfile \"leastprivilege/demo/deny-chmod.json\" is not a profile of namespace team-b"),
        r.out());

    Path chmod = root.resolve("leastprivilege/demo/deny-chmod.json");
    Cli.Result rendered =
        Cli.run("render", Cli.EXAMPLES.resolve("seccomp").toString(), "--name", "demo/deny-chmod");
    assertEquals(
        rendered.out(), Files.readString(chmod), "the node file is what lpo render prints");
    assertFalse(
        Files.exists(root.resolve("leastprivilege/demo/typo.json")),
        "an invalid profile gets no file");
    try (var files = Files.list(root.resolve("leastprivilege/demo"))) {
      assertEquals(
          java.util.List.of(
              "deny-chmod.json",
              "no-settimeofday.json",
              "stderr-ebadf.json",
              "web-allowlist.json",
              "web-audit.json"),
          files.map(f -> f.getFileName().toString()).sorted().toList(),
          "a file for every valid example, none for the invalid one");
    }
  }

  @Test
  void whatTheSchemaWouldRefuseIsRefusedAtApplyAndFailsTheRun() throws Exception {
    Path bad =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: bad, namespace: shop}
        spec:
          defaultAction: SCMP_ACT_NOPE
        """);
    Cli.Result r =
        Cli.run(
            "local",
            "--apply",
            bad.toString(),
            "--kubelet-root",
            dir.resolve("root").toString(),
            "--exit-when-ready");
    assertEquals(1, r.code());
    assertTrue(
        r.err()
            .contains(
                "SeccompProfile shop/bad refused: spec.defaultAction: unsupported value"
                    + " \"SCMP_ACT_NOPE\""),
        r.err());
  }
}
