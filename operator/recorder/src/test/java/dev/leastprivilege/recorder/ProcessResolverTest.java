package dev.leastprivilege.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whose records are whose, on a /proc laid out as the kernel lays it out. */
class ProcessResolverTest {
  private static final long BOOT = 1_700_000_000L;
  private static final String CONTAINER = "ab".repeat(32);

  @TempDir Path proc;

  private void process(long pid, String comm, long startTicks, String cgroup) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    // Fields 3 to 21 (state .. itrealvalue), then field 22: the start time in clock ticks.
    Files.writeString(
        dir.resolve("stat"),
        pid + " (" + comm + ") S 1" + " 0".repeat(17) + " " + startTicks + " 0 0\n");
    Files.writeString(dir.resolve("cgroup"), cgroup);
  }

  private static Optional<Instant> at(long secondsAfterBoot) {
    return Optional.of(Instant.ofEpochSecond(BOOT + secondsAfterBoot));
  }

  /**
   * runc on the host forks runc's init, which joins the container's cgroup, loads the filter and
   * execs the program; `ls /` then exits within milliseconds, before the records of its last calls
   * are read. Those are still the container's, as its cgroup said while it ran.
   */
  @Test
  void aContainerProcessGoneBeforeItsLastRecordsAreReadKeepsThem() throws IOException {
    Files.writeString(proc.resolve("stat"), "cpu 1 2 3\nbtime " + BOOT + "\n");
    process(1, "runc", 100, "0::/system.slice/containerd.service\n");
    ProcessResolver resolver = new ProcessResolver(proc);
    resolver.forked(1, 4242, Instant.ofEpochSecond(BOOT + 2));
    process(
        4242,
        "runc:[2:INIT]",
        200,
        "0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-" + CONTAINER + ".scope\n");

    ProcessResolver.Answer whileItRuns = resolver.resolve(4242, at(3));
    assertEquals(new ProcessResolver.InContainer(CONTAINER), whileItRuns);

    deleteProcess(4242);
    assertEquals(
        new ProcessResolver.InContainer(CONTAINER),
        resolver.resolve(4242, at(3)),
        "gone, but its cgroup was read while it ran: not runc's child on the host");
    assertInstanceOf(
        ProcessResolver.Gone.class,
        resolver.resolve(4242, at(-60)),
        "a record from before that process started is not its");
  }

  /**
   * A PID used by a container's process, then (after it exited) by another pod's short-lived child:
   * the fork says whose the later records are, whatever the cache still holds for the PID.
   */
  @Test
  void aPidForkedAgainIsTheNewProcesssNotTheCachedOne() throws IOException {
    Files.writeString(proc.resolve("stat"), "btime " + BOOT + "\n");
    String other = "cd".repeat(32);
    process(4242, "sh", 200, "0::/kubepods.slice/cri-containerd-" + CONTAINER + ".scope\n");
    process(5000, "sh", 300, "0::/kubepods.slice/cri-containerd-" + other + ".scope\n");
    ProcessResolver resolver = new ProcessResolver(proc);
    assertEquals(new ProcessResolver.InContainer(CONTAINER), resolver.resolve(4242, at(3)));
    deleteProcess(4242);

    Instant later = Instant.now();
    resolver.forked(5000, 4242, later);
    assertEquals(
        new ProcessResolver.InContainer(other),
        resolver.resolve(4242, Optional.of(later)),
        "the other pod's child, gone before its record is read");
    assertEquals(
        new ProcessResolver.InContainer(other),
        resolver.resolve(4242, Optional.empty()),
        "a record without a time (a capability check) too");
  }

  /** Without fork events, a record made long after the process was last seen running is not its. */
  @Test
  void aRecordLongAfterTheProcessWasLastSeenIsNotTakenForIts() throws IOException {
    Files.writeString(proc.resolve("stat"), "btime " + BOOT + "\n");
    process(4242, "sh", 200, "0::/kubepods.slice/cri-containerd-" + CONTAINER + ".scope\n");
    ProcessResolver resolver = new ProcessResolver(proc);
    assertEquals(new ProcessResolver.InContainer(CONTAINER), resolver.resolve(4242, at(3)));
    deleteProcess(4242);

    Instant longAfter =
        Instant.now().plusMillis(ProcessResolver.GONE_WINDOW_MILLIS).plusSeconds(60);
    assertInstanceOf(ProcessResolver.Gone.class, resolver.resolve(4242, Optional.of(longAfter)));
  }

  @Test
  void aHostProcessGoneStaysTheHosts() throws IOException {
    Files.writeString(proc.resolve("stat"), "btime " + BOOT + "\n");
    process(77, "sshd", 100, "0::/system.slice/ssh.service\n");
    ProcessResolver resolver = new ProcessResolver(proc);
    assertInstanceOf(ProcessResolver.NotAContainer.class, resolver.resolve(77, at(5)));

    deleteProcess(77);
    assertInstanceOf(ProcessResolver.NotAContainer.class, resolver.resolve(77, at(5)));
  }

  private void deleteProcess(long pid) throws IOException {
    Path dir = proc.resolve(Long.toString(pid));
    Files.delete(dir.resolve("stat"));
    Files.delete(dir.resolve("cgroup"));
    Files.delete(dir);
  }
}
