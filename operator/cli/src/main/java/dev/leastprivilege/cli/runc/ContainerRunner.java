package dev.leastprivilege.cli.runc;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
    return run(spec, false);
  }

  /** Runs with the container's stdio passed through to this process's. */
  public static Result passThrough(RunSpec spec) throws IOException, EnvironmentException {
    return run(spec, true);
  }

  private static Result run(RunSpec spec, boolean inherit)
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
      ProcessBuilder pb =
          new ProcessBuilder(
              runc.toString(),
              "--root",
              work.resolve("state").toString(),
              "run",
              "--bundle",
              work.toString(),
              "--pid-file",
              pidFile.toString(),
              id);
      Path out = work.resolve("stdout");
      Path err = work.resolve("stderr");
      if (inherit) {
        pb.inheritIO();
      } else {
        pb.redirectInput(Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      }
      int code = pb.start().waitFor();
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

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
