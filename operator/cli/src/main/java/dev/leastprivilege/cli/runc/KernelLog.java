package dev.leastprivilege.cli.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernel log, where seccomp's SCMP_ACT_LOG records land when no audit daemon takes them. The
 * kernel rate-limits those lines; while recording, the limit is lifted and then put back.
 */
public final class KernelLog implements AutoCloseable {
  static final Path RATELIMIT = Path.of("/proc/sys/kernel/printk_ratelimit");
  private final String previousRatelimit;

  private KernelLog(String previousRatelimit) {
    this.previousRatelimit = previousRatelimit;
  }

  /** Lifts the rate limit if it can; the returned object puts it back on close. */
  public static KernelLog open(java.io.PrintWriter warnings) {
    try {
      String before = Files.readString(RATELIMIT).trim();
      if (!before.equals("0")) {
        try {
          Files.writeString(RATELIMIT, "0");
          return new KernelLog(before);
        } catch (IOException e) {
          warnings.println(
              "warning: kernel.printk_ratelimit is "
                  + before
                  + " and cannot be changed here; the"
                  + " kernel may drop records. Run as root, or set it with: sysctl -w kernel.printk_ratelimit=0");
        }
      }
    } catch (IOException e) {
      warnings.println("warning: cannot read " + RATELIMIT + ": " + e.getMessage());
    }
    return new KernelLog(null);
  }

  /** The whole kernel ring buffer, through dmesg. */
  public String read() throws IOException, EnvironmentException {
    Path dmesg =
        Executables.find("dmesg")
            .orElseThrow(
                () ->
                    new EnvironmentException(
                        "dmesg not found; install it with: apt-get install util-linux, or read an audit log with --audit-log"));
    Process p = new ProcessBuilder(List.of(dmesg.toString())).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (p.exitValue() != 0) {
      throw new EnvironmentException(
          "dmesg failed: "
              + text.trim()
              + " (reading the kernel log needs root or"
              + " kernel.dmesg_restrict=0)");
    }
    return text;
  }

  @Override
  public void close() {
    if (previousRatelimit != null) {
      try {
        Files.writeString(RATELIMIT, previousRatelimit);
      } catch (IOException ignored) {
        // Best effort: the limit only affects how many log lines the kernel keeps.
      }
    }
  }
}
