package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.cli.manifest.PolicyRepository;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * builtin:runtime-baseline is enough to start a container, and is re-derived from a recording here.
 */
class RuntimeBaselineIT {
  @TempDir Path dir;

  @Test
  void anAllowListOnTheBaselineRunsAContainer() throws Exception {
    Path p =
        Files.writeString(
            dir.resolve("p.yaml"),
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: baseline-only, namespace: demo}
        spec:
          baseProfileName: builtin:runtime-baseline
          defaultAction: SCMP_ACT_ERRNO
        """);
    for (int uid : new int[] {0, 1000}) {
      for (boolean noNewPrivileges : new boolean[] {false, true}) {
        ContainerRunner.Result echo =
            Containers.run(
                p,
                null,
                List.of(),
                List.of(),
                uid,
                Optional.empty(),
                noNewPrivileges,
                "sh",
                "-c",
                "echo hi");
        assertEquals(
            "hi\n",
            echo.stdout(),
            "uid " + uid + ", no_new_privs " + noNewPrivileges + ": " + echo.stderr());
      }
    }
    assertEquals(
        1,
        Containers.run(p, "chmod", "400", "/etc/hostname").exitCode(),
        "chmod is not in the baseline");
  }

  @Test
  void recordingsOfSimpleProgramsStayInsideTheBaseline() throws Exception {
    Set<String> baseline = new TreeSet<>();
    for (SyscallRule r :
        BuiltinProfiles.find("runtime-baseline").orElseThrow().spec().getSyscalls()) {
      baseline.addAll(r.getNames());
    }
    for (List<String> options :
        List.<List<String>>of(
            List.of(), List.of("--user", "1000"), List.of("--no-new-privileges"))) {
      for (List<String> cmd :
          List.<List<String>>of(List.of("true"), List.of("sh", "-c", "echo hi; sleep 0"))) {
        Path out = dir.resolve("rec.yaml");
        List<String> args =
            new ArrayList<>(List.of("record", "--name", "demo/rec", "-o", out.toString()));
        args.addAll(options);
        args.add("--");
        args.addAll(cmd);
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        PolicyRepository repo = PolicyRepository.load(List.of(out));
        Set<String> recorded =
            new TreeSet<>(repo.profiles().get(0).spec().getSyscalls().get(0).getNames());
        assertTrue(recorded.size() > 10, "recorded " + recorded);
        recorded.removeAll(baseline);
        assertEquals(Set.of(), recorded, options + " " + cmd + " needs calls the baseline lacks");
      }
    }
  }
}
