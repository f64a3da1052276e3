package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderCommandTest {
  @TempDir Path out;

  @Test
  void writesEveryValidProfileWhereTheNodeKeepsIt() throws Exception {
    Cli.Result r =
        Cli.run("render", Cli.EXAMPLES.resolve("seccomp").toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    Path chmod = out.resolve("leastprivilege/demo/deny-chmod.json");
    assertTrue(Files.exists(chmod));
    Cli.Result one =
        Cli.run("render", Cli.EXAMPLES.resolve("seccomp").toString(), "--name", "demo/deny-chmod");
    assertEquals(
        Files.readString(chmod), one.out(), "--name prints the same bytes as the node file");
    try (Stream<Path> files = Files.walk(out)) {
      assertEquals(5, files.filter(p -> p.toString().endsWith(".json")).count());
    }
    assertTrue(
        Files.readString(out.resolve("leastprivilege/demo/web-audit.json"))
            .contains("\"defaultAction\": \"SCMP_ACT_LOG\""));
  }

  @Test
  void invalidProfileGetsAnErrorAndNoFile() throws Exception {
    Cli.Result r =
        Cli.run("render", Cli.EXAMPLES.resolve("invalid").toString(), "--out", out.toString());
    assertEquals(1, r.code());
    assertTrue(
        r.err()
            .contains(
                "typo.yaml:2: SeccompProfile demo/typo: error: spec.syscalls[1].names[0]:"
                    + " unknown syscall \"chmodd\""),
        r.err());
    assertFalse(Files.exists(out.resolve("leastprivilege/demo/typo.json")));
  }

  @Test
  void invalidUpdateNeverReplacesTheLastGoodFile() throws Exception {
    Path repo = Files.createDirectories(out.resolve("repo"));
    Path f = repo.resolve("p.yaml");
    Files.writeString(
        f,
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: p, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}
        """);
    Path nodeRoot = out.resolve("node");
    assertEquals(0, Cli.run("render", repo.toString(), "--out", nodeRoot.toString()).code());
    String good = Files.readString(nodeRoot.resolve("leastprivilege/shop/p.json"));
    Files.writeString(f, Files.readString(f).replace("[read]", "[reed]"));
    assertEquals(1, Cli.run("render", repo.toString(), "--out", nodeRoot.toString()).code());
    assertEquals(good, Files.readString(nodeRoot.resolve("leastprivilege/shop/p.json")));
  }

  @Test
  void theLongestNameTheApiAllowsGetsTheFileANodeGets() throws Exception {
    String name = "n".repeat(252) + "z";
    Path repo = Files.createDirectories(out.resolve("repo"));
    Files.writeString(
        repo.resolve("p.yaml"),
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: shop}
        spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}
        """
            .formatted(name));
    Path nodeRoot = out.resolve("node");
    Cli.Result r = Cli.run("render", repo.toString(), "--out", nodeRoot.toString());
    assertEquals(0, r.code(), r.toString());
    String path = new dev.leastprivilege.core.ProfileRef("shop", name).localhostProfile();
    assertTrue(Files.readString(nodeRoot.resolve(path)).contains("\"read\""), path);
  }

  @Test
  void severalProfilesNeedAName() {
    Cli.Result r = Cli.run("render", Cli.EXAMPLES.resolve("seccomp").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("5 SeccompProfiles found; pick one with --name NS/NAME"), r.err());
  }
}
