package dev.leastprivilege.cli.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A container run under runc the way containerd runs a pod's container for the kubelet: with a
 * 64-hex container ID, in a cgroup whose path ends with that ID ({@code /<parent>/<id>}, as the
 * cgroupfs driver's {@code /kubepods/besteffort/pod<uid>/<id>}), so that /proc/&lt;pid&gt;/cgroup
 * names it. The parent cgroup is this object's and removed on close, in every hierarchy.
 */
public final class PodContainer implements AutoCloseable {
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  private final String parent;

  /** The cgroups this object made (the leaf is runc's, removed by runc when the container ends). */
  private final List<Path> made = new ArrayList<>();

  /**
   * @param parent the parent cgroup's name, unique to the test (e.g. lpo-recorder-it-1234)
   */
  public PodContainer(String parent) {
    this.parent = parent;
  }

  /** Runs the container to its end, with a fresh busybox root, and returns what it printed. */
  public ContainerRunner.Result run(String containerId, RunSpec spec)
      throws IOException, EnvironmentException, InterruptedException {
    Path runc = ContainerRunner.runc();
    Path work = Files.createTempDirectory("lpo-pod-");
    try {
      Path rootfs = work.resolve("rootfs");
      BusyboxRootfs.create(rootfs);
      OciBundle.write(work, rootfs.toAbsolutePath(), spec);
      ObjectMapper json = new ObjectMapper();
      Path config = work.resolve("config.json");
      ObjectNode c = (ObjectNode) json.readTree(config.toFile());
      ((ObjectNode) c.path("linux")).put("cgroupsPath", "/" + parent + "/" + containerId);
      json.writeValue(config.toFile(), c);
      remember();
      Path pidFile = work.resolve("pid");
      Process p =
          new ProcessBuilder(
                  runc.toString(),
                  "--root",
                  work.resolve("state").toString(),
                  "run",
                  "--bundle",
                  work.toString(),
                  "--pid-file",
                  pidFile.toString(),
                  containerId)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(work.resolve("stdout").toFile())
              .redirectError(work.resolve("stderr").toFile())
              .start();
      int code = p.waitFor();
      remember();
      long pid = Files.exists(pidFile) ? Long.parseLong(Files.readString(pidFile).trim()) : -1;
      return new ContainerRunner.Result(
          code,
          Files.readString(work.resolve("stdout")),
          Files.readString(work.resolve("stderr")),
          pid);
    } finally {
      deleteTree(work);
    }
  }

  /** Notes the parent cgroup in each hierarchy where it exists now (runc makes it). */
  private void remember() throws IOException {
    try (Stream<Path> hierarchies = Files.list(CGROUP_ROOT)) {
      for (Path h : hierarchies.toList()) {
        Path dir = h.resolve(parent);
        if (Files.isDirectory(dir) && !made.contains(dir)) {
          made.add(dir);
        }
      }
    }
    Path unified = CGROUP_ROOT.resolve(parent);
    if (Files.isDirectory(unified) && !made.contains(unified)) {
      made.add(unified);
    }
  }

  /** Removes the parent cgroups (rmdir: a cgroup directory holds only kernel files). */
  @Override
  public void close() {
    for (Path dir : made) {
      try {
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("could not remove the cgroup " + dir, e);
      }
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
