package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.cli.runc.BusyboxRootfs;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.KernelLog;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import dev.leastprivilege.core.record.RecordedProfiles;
import dev.leastprivilege.core.record.RuntimeNoise;
import dev.leastprivilege.core.record.SeccompRecord;
import dev.leastprivilege.core.record.SeccompRecordParser;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recording as the in-cluster recorder does (the recording profile: mode Audit on
 * builtin:runtime-baseline, so every call the base does not allow is logged), of `true`, and
 * enforcing what it produced: runc's init makes calls after it loaded the filter, and a profile
 * that misses one kills the container before the workload starts, now and then.
 */
class RuntimeNoiseIT {
  private static final String RECORDING_PROFILE =
      """
      apiVersion: leastprivilege.dev/v1alpha1
      kind: SeccompProfile
      metadata: {name: true-recording, namespace: demo}
      spec:
        mode: Audit
        baseProfileName: builtin:runtime-baseline
        defaultAction: SCMP_ACT_ERRNO
      """;

  @TempDir Path dir;

  @Test
  void aProfileRecordedFromTrueHasNoRuntimeCallsAndStartsFiftyTimesOutOfFifty() throws Exception {
    Path rootfs = dir.resolve("rootfs");
    BusyboxRootfs.create(rootfs);
    Path recordingProfile = Files.writeString(dir.resolve("recording.yaml"), RECORDING_PROFILE);
    Set<String> base =
        RecordedProfiles.allowedBy(
            BuiltinProfiles.find(BuiltinProfiles.RUNTIME_BASELINE).orElseThrow().spec());

    // Kubernetes' default (no_new_privs off: runc loads the filter before it sets ids and
    // capabilities), allowPrivilegeEscalation: false, and a non-root user.
    Set<String> runtimeCalls = new TreeSet<>();
    Set<String> workloadCalls = new TreeSet<>();
    for (int uid : new int[] {0, 1000}) {
      for (boolean noNewPrivileges : new boolean[] {false, true}) {
        Instant since = Instant.now().minusSeconds(1);
        ContainerRunner.Result r;
        String log;
        try (KernelLog kernelLog = KernelLog.open(new PrintWriter(new StringWriter()))) {
          r =
              Containers.run(
                  recordingProfile,
                  null,
                  List.of(),
                  List.of(),
                  uid,
                  Optional.of(rootfs),
                  noNewPrivileges,
                  "true");
          log = kernelLog.read();
        }
        assertEquals(0, r.exitCode(), r.stderr());
        for (String line : log.split("\n")) {
          Optional<SeccompRecord> rec = SeccompRecordParser.parse(line);
          if (rec.isEmpty() || rec.get().pid() != r.pid() || rec.get().time().isBefore(since)) {
            continue;
          }
          SeccompRecord s = rec.get();
          String name = s.syscall() == null ? "#" + s.number() : s.syscall();
          (RuntimeNoise.isRuntime(s.comm(), s.exe()) ? runtimeCalls : workloadCalls).add(name);
        }
      }
    }
    assertEquals(Set.of(), runtimeCalls, "runc's calls after loading the filter, beyond the base");

    SeccompProfileSpec produced =
        RecordedProfiles.seccomp(
            base,
            workloadCalls,
            List.of(SyscallTables.host().orElse(Architecture.SCMP_ARCH_X86_64)),
            SeccompAction.SCMP_ACT_ERRNO);
    Path enforced =
        Files.writeString(
            dir.resolve("true.yaml"),
            ProfileYaml.write(Containers.ref("demo/true"), produced, List.of()));
    int starts = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      boolean noNewPrivileges = i % 2 == 1;
      ContainerRunner.Result r =
          Containers.run(
              enforced,
              null,
              List.of(),
              List.of(),
              0,
              Optional.of(rootfs),
              noNewPrivileges,
              "true");
      if (r.exitCode() == 0) {
        starts++;
      } else {
        failures.add("run " + i + ": exit " + r.exitCode() + " " + r.stderr().trim());
      }
    }
    assertEquals(50, starts, String.join("\n", failures));
  }
}
