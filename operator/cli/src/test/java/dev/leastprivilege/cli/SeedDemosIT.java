package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.cli.runc.BusyboxRootfs;
import dev.leastprivilege.cli.runc.ContainerRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every demo of the source articles, on this machine's kernel, through runc, with the files lpo
 * renders. Each test also runs the unconfined case, so it shows the profile (or capability set)
 * made the difference.
 */
class SeedDemosIT {
  private static final Path SECCOMP = Cli.EXAMPLES.resolve("seccomp");

  @TempDir Path dir;

  @Test
  void chmodIsRefusedWhileLsStillWorks() throws Exception {
    Path p = SECCOMP.resolve("deny-chmod.yaml");
    ContainerRunner.Result chmod = Containers.run(p, "chmod", "400", "/etc/hostname");
    assertEquals(1, chmod.exitCode());
    assertEquals("chmod: /etc/hostname: Operation not permitted\n", chmod.stderr());
    ContainerRunner.Result ls = Containers.run(p, "ls", "/etc");
    assertEquals(0, ls.exitCode());
    assertTrue(ls.stdout().contains("hostname"), ls.stdout());
    assertEquals(
        0,
        Containers.run(null, "chmod", "400", "/etc/hostname").exitCode(),
        "unconfined, chmod works");
  }

  /**
   * Recorded and run with no_new_privs (allowPrivilegeEscalation: false), so that runc loads the
   * filter just before exec and the recording holds only what ls needs, not runc's own set-up
   * calls.
   */
  @Test
  void profileRecordedFromLsRefusesLsDashL() throws Exception {
    Path ls = dir.resolve("ls.yaml");
    Cli.Result rec =
        Cli.run(
            "record",
            "--no-new-privileges",
            "--name",
            "demo/ls",
            "-o",
            ls.toString(),
            "--",
            "ls",
            "/");
    assertEquals(0, rec.code(), rec.err());
    assertEquals(0, Cli.run("lint", ls.toString()).code(), Files.readString(ls));
    String recorded = Files.readString(ls);
    assertTrue(recorded.contains("- execve") && recorded.contains("- getdents64"), recorded);
    assertFalse(recorded.contains("- read\n"), "ls / reads no file: " + recorded);
    for (String gap : dev.leastprivilege.core.record.RecordingGaps.ALWAYS_ALLOWED) {
      assertTrue(
          recorded.contains("- " + gap + "\n"),
          "runc's Go runtime may need " + gap + " in any run: " + recorded);
    }

    ContainerRunner.Result free = Containers.run(null, "ls", "-l", "/");
    assertTrue(free.stdout().contains(" root "), "unconfined ls -l names owners: " + free.stdout());
    ContainerRunner.Result same = nnp(ls, "ls", "/");
    assertEquals(0, same.exitCode());
    assertEquals(
        Containers.run(null, "ls", "/").stdout(),
        same.stdout(),
        "ls / works under its own recording");

    ContainerRunner.Result refused = nnp(ls, "ls", "-l", "/");
    assertFalse(
        refused.stdout().contains(" root "), "reading /etc/passwd is refused: " + refused.stdout());

    // With a killing default the refusal is unmistakable: SIGSYS, exit 128 + 31.
    Path strict = dir.resolve("ls-strict.yaml");
    assertEquals(
        0,
        Cli.run(
                "record",
                "--no-new-privileges",
                "--name",
                "demo/ls-strict",
                "--default-action",
                "SCMP_ACT_KILL_PROCESS",
                "-o",
                strict.toString(),
                "--",
                "ls",
                "/")
            .code());
    assertEquals(0, nnp(strict, "ls", "/").exitCode());
    assertEquals(159, nnp(strict, "ls", "-l", "/").exitCode());

    // Recording ls -l on top of the first profile adds what it needs, as the seed's hook did.
    Path lsl = dir.resolve("lsl.yaml");
    Cli.Result more =
        Cli.run(
            "record",
            "--no-new-privileges",
            "--name",
            "demo/lsl",
            "--base",
            ls.toString(),
            "-o",
            lsl.toString(),
            "--",
            "ls",
            "-l",
            "/");
    assertEquals(0, more.code(), more.err());
    assertTrue(Files.readString(lsl).contains("# New since " + ls + ": "), Files.readString(lsl));
    assertTrue(
        Files.readString(lsl)
            .lines()
            .filter(l -> l.startsWith("# New since"))
            .findFirst()
            .orElseThrow()
            .contains("read"),
        Files.readString(lsl));
    assertTrue(nnp(lsl, "ls", "-l", "/").stdout().contains(" root "));
  }

  private static ContainerRunner.Result nnp(Path profile, String... command) throws Exception {
    return Containers.run(profile, null, List.of(), List.of(), 0, Optional.empty(), true, command);
  }

  @Test
  void writeToStderrFailsWithEbadfWhileStdoutWorks() throws Exception {
    Path rootfs = dir.resolve("rootfs");
    BusyboxRootfs.create(rootfs);
    Path src = Path.of(SeedDemosIT.class.getResource("/probe/writeprobe.c").toURI());
    Process gcc =
        new ProcessBuilder(
                "gcc",
                "-static",
                "-O2",
                "-o",
                rootfs.resolve("bin/writeprobe").toString(),
                src.toString())
            .inheritIO()
            .start();
    assertTrue(
        gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc -static (gcc, libc6-dev)");

    Path p = SECCOMP.resolve("stderr-ebadf.yaml");
    ContainerRunner.Result confined =
        Containers.run(
            p, null, List.of(), List.of(), 0, Optional.of(rootfs), false, "/bin/writeprobe");
    assertEquals("write(2) = -1, errno = 9 (Bad file descriptor)\n", confined.stdout());
    assertEquals("", confined.stderr());
    ContainerRunner.Result free =
        Containers.run(
            null, null, List.of(), List.of(), 0, Optional.of(rootfs), false, "/bin/writeprobe");
    assertEquals("write(2) = 10, errno = 0 (none)\n", free.stdout());
    assertEquals("to stderr\n", free.stderr());

    // The rule is on the descriptor number: 2>&1 does not help a message through.
    ContainerRunner.Result ls =
        Containers.run(p, "sh", "-c", "echo visible; ls /nonexistent 2>&1; echo ls=$?");
    assertEquals("visible\nls=1\n", ls.stdout());
  }

  @Test
  void nonRootBindsPort80OnlyWithNetBindService() throws Exception {
    // nc in the demo rootfs carries cap_net_bind_service+ep, like an image that ran setcap:
    // Kubernetes gives a
    // non-root container no ambient capabilities, so the file capability is what raises it after
    // exec.
    ContainerRunner.Result with =
        Containers.run(
            null,
            null,
            List.of("ALL"),
            List.of("NET_BIND_SERVICE"),
            1000,
            "nc",
            "-l",
            "-p",
            "80",
            "-w",
            "1");
    assertEquals("nc: timed out\n", with.stderr(), "bound port 80, then waited 1 s for a client");
    ContainerRunner.Result without =
        Containers.run(
            null, null, List.of("ALL"), List.of(), 1000, "nc", "-l", "-p", "80", "-w", "1");
    assertNotEquals(0, without.exitCode());
    assertTrue(
        without.stderr().contains("operation not permitted"),
        "the kernel refuses the file capability: " + without.stderr());
    ContainerRunner.Result plain =
        Containers.run(
            null, null, List.of(), List.of(), 1000, "busybox", "nc", "-l", "-p", "80", "-w", "1");
    assertEquals(
        "nc: bind: Permission denied\n", plain.stderr(), "a non-root process keeps no capability");
  }

  @Test
  void chownFailsOnceChownIsDropped() throws Exception {
    ContainerRunner.Result dropped =
        Containers.run(
            null, null, List.of("CHOWN"), List.of(), 0, "chown", "1000", "/etc/hostname");
    assertEquals(1, dropped.exitCode());
    assertEquals("chown: /etc/hostname: Operation not permitted\n", dropped.stderr());
    assertEquals(
        0,
        Containers.run(null, "chown", "1000", "/etc/hostname").exitCode(),
        "with CHOWN it works");
  }

  @Test
  void settimeofdayIsRefusedEvenWithSysTime() throws Exception {
    // Setting the clock to the time it already has: harmless even if a regression ever let it
    // through.
    ContainerRunner.Result r =
        Containers.run(
            SECCOMP.resolve("no-settimeofday.yaml"),
            null,
            List.of(),
            List.of("SYS_TIME"),
            0,
            "sh",
            "-c",
            "date -s \"@$(date +%s)\"");
    assertTrue(r.stderr().contains("date: can't set date: Operation not permitted"), r.stderr());
  }

  @Test
  void containersCommonDefaultProfileConvertsAndRuns() throws Exception {
    Path json = Path.of("/usr/share/containers/seccomp.json");
    assertTrue(Files.exists(json), "install golang-github-containers-common");
    Path plain = dir.resolve("default.yaml");
    assertEquals(
        0,
        Cli.run(
                "convert",
                json.toString(),
                "--name",
                "containers-default",
                "--namespace",
                "demo",
                "-o",
                plain.toString())
            .code());
    ContainerRunner.Result ls = Containers.run(plain, "ls", "-l", "/");
    assertEquals(0, ls.exitCode(), ls.stderr());
    assertTrue(ls.stdout().contains(" root "), ls.stdout());
    ContainerRunner.Result unshare = Containers.run(plain, "unshare", "-m", "true");
    assertNotEquals(0, unshare.exitCode());
    assertTrue(unshare.stderr().contains("Operation not permitted"), unshare.stderr());

    Path admin = dir.resolve("admin.yaml");
    assertEquals(
        0,
        Cli.run(
                "convert",
                json.toString(),
                "--name",
                "containers-admin",
                "--namespace",
                "demo",
                "--capabilities",
                String.join(",", RuntimeDefaultsNames.CONTAINERD_PLUS_SYS_ADMIN),
                "-o",
                admin.toString())
            .code());
    ContainerRunner.Result allowed =
        Containers.run(admin, null, List.of(), List.of("SYS_ADMIN"), 0, "unshare", "-m", "true");
    assertEquals(0, allowed.exitCode(), allowed.stderr());
  }

  /** containerd's default set plus SYS_ADMIN, spelled out as a user would type it. */
  private static final class RuntimeDefaultsNames {
    static final List<String> CONTAINERD_PLUS_SYS_ADMIN =
        List.of(
            "CHOWN",
            "DAC_OVERRIDE",
            "FSETID",
            "FOWNER",
            "MKNOD",
            "NET_RAW",
            "SETGID",
            "SETUID",
            "SETFCAP",
            "SETPCAP",
            "NET_BIND_SERVICE",
            "SYS_CHROOT",
            "KILL",
            "AUDIT_WRITE",
            "SYS_ADMIN");
  }
}
