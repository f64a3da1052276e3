package dev.leastprivilege.cli.runc;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Runs a {@link RunSpec} under runc, on the real kernel, and cleans up after it. */
public final class ContainerRunner {
  private ContainerRunner() {}

  /** What the container did; stdout and stderr are empty when they were passed through. */
  public record Result(int exitCode, String stdout, String stderr, long pid) {}

  public static Path runc() throws EnvironmentException {
    return Executables.find("runc")
        .orElseThrow(
            () ->
                new EnvironmentException(
                    "runc not found; install it with: apt-get install runc (Debian, Ubuntu) or dnf install runc (Fedora)"));
  }

  /** Runs with the container's stdio captured. */
  public static Result capture(RunSpec spec) throws IOException, EnvironmentException {
    return run(spec, false, null);
  }

  /** Told the pid of the process that will exec runc, before runc starts. */
  public interface BeforeStart {
    void starting(long pid) throws IOException;
  }

  /**
   * Runs with the container's stdio captured; {@code beforeStart} learns the pid of the process
   * that becomes runc (and so the ancestor of the container) while it waits, so it can start
   * tracing that process tree.
   */
  public static Result capture(RunSpec spec, BeforeStart beforeStart)
      throws IOException, EnvironmentException {
    return run(spec, false, beforeStart);
  }

  /** Runs with the container's stdio passed through to this process's. */
  public static Result passThrough(RunSpec spec) throws IOException, EnvironmentException {
    return run(spec, true, null);
  }

  private static Result run(RunSpec spec, boolean inherit, BeforeStart beforeStart)
      throws IOException, EnvironmentException {
    Path runc = runc();
    Path work = Files.createTempDirectory("lpo-run-");
    try {
      Path rootfs = spec.rootfs().orElse(work.resolve("rootfs"));
      if (spec.rootfs().isEmpty()) {
        BusyboxRootfs.create(rootfs);
      }
      OciBundle.write(work, rootfs.toAbsolutePath(), spec);
      Path pidFile = work.resolve("pid");
      String id = "lpo-" + UUID.randomUUID().toString().substring(0, 12);
      List<String> command = new ArrayList<>();
      if (beforeStart != null) {
        // A shell that waits for one line on stdin, then becomes runc: its pid is known before
        // anything of the container exists.
        command.addAll(
            List.of(shell().toString(), "-c", "read -r _; exec \"$@\" </dev/null", "sh"));
      }
      command.addAll(
          List.of(
              runc.toString(),
              "--root",
              work.resolve("state").toString(),
              "run",
              "--bundle",
              work.toString(),
              "--pid-file",
              pidFile.toString(),
              id));
      ProcessBuilder pb = new ProcessBuilder(command);
      Path out = work.resolve("stdout");
      Path err = work.resolve("stderr");
      if (inherit) {
        pb.inheritIO();
      } else {
        if (beforeStart == null) {
          pb.redirectInput(Redirect.from(new java.io.File("/dev/null")));
        }
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      }
      Process process = pb.start();
      if (beforeStart != null) {
        try (OutputStream go = process.getOutputStream()) {
          try {
            beforeStart.starting(process.pid());
          } catch (IOException | RuntimeException e) {
            process.destroy();
            process.waitFor();
            throw e;
          }
          go.write('\n');
        }
      }
      int code = process.waitFor();
      long pid = Files.exists(pidFile) ? Long.parseLong(Files.readString(pidFile).trim()) : -1;
      return new Result(
          code, inherit ? "" : Files.readString(out), inherit ? "" : Files.readString(err), pid);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the container ran", e);
    } finally {
      deleteTree(work);
    }
  }

  private static Path shell() throws EnvironmentException {
    return Executables.find("sh")
        .orElseThrow(() -> new EnvironmentException("sh not found; it starts runc under a trace"));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
