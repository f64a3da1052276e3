package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.KernelLog;
import dev.leastprivilege.core.record.AuditRecords;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mode: Audit refuses nothing, and the kernel logs each call the profile would have refused. */
class AuditModeIT {
  @TempDir Path dir;

  @Test
  void auditModeLogsChmodInsteadOfRefusingIt() throws Exception {
    Path p =
        Files.writeString(
            dir.resolve("p.yaml"),
            Files.readString(Cli.EXAMPLES.resolve("seccomp/deny-chmod.yaml"))
                .replace("spec:\n", "spec:\n  mode: Audit\n"));
    long since = System.currentTimeMillis() / 1000 - 1;
    try (KernelLog log = KernelLog.open(new PrintWriter(new StringWriter()))) {
      ContainerRunner.Result r = Containers.run(p, "chmod", "400", "/etc/hostname");
      assertEquals(0, r.exitCode(), "audit mode lets chmod through: " + r.stderr());
      AuditRecords.Recording rec = AuditRecords.parse(log.read(), r.pid(), since);
      assertTrue(
          rec.syscalls()
                  .getOrDefault(Architecture.SCMP_ARCH_X86_64, java.util.Set.of())
                  .contains("fchmodat")
              || rec.all().contains("chmod"),
          "the kernel logged the chmod: " + rec.syscalls());
    }
  }
}
