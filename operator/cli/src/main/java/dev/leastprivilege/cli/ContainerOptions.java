package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.cli.runc.RunSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeCapabilities;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How the container is started, shared by run and record: the parts of a pod's securityContext lpo
 * models.
 */
final class ContainerOptions {
  @Option(
      names = "--cap-drop",
      split = ",",
      paramLabel = "CAP|ALL",
      description =
          "Capabilities to drop from the runtime's default set, as securityContext.capabilities.drop.")
  List<String> capDrop = new ArrayList<>();

  @Option(
      names = "--cap-add",
      split = ",",
      paramLabel = "CAP",
      description = "Capabilities to add, as securityContext.capabilities.add.")
  List<String> capAdd = new ArrayList<>();

  @Option(
      names = "--runtime",
      description =
          "Whose default capability set to start from: containerd, crio or"
              + " podman (default: ${DEFAULT-VALUE}).")
  String runtime = "containerd";

  @Option(names = "--user", paramLabel = "UID[:GID]", description = "User to run as (default: 0).")
  String user = "0";

  @Option(
      names = "--rootfs",
      paramLabel = "DIR",
      description =
          "Root file system to use as is (default: a fresh busybox one from busybox-static).")
  Path rootfs;

  @Option(
      names = "--no-new-privileges",
      description = "Set no_new_privs, as allowPrivilegeEscalation: false does.")
  boolean noNewPrivileges;

  @Option(
      names = "--privileged",
      description =
          "As securityContext.privileged: true: every capability and no"
              + " seccomp filter, whatever --cap-drop and the profile say (containerd and CRI-O ignore both).")
  boolean privileged;

  /**
   * Set by --pod: read the capability lists as the container runtime does, not as a person would.
   */
  boolean runtimeSpelling;

  /** The container to start, or null after adding what is wrong with the options to errors. */
  RunSpec runSpec(List<String> command, Optional<JsonNode> seccomp, List<FieldError> errors) {
    CapabilitySet caps = capabilities(errors);
    int[] ids = ids(errors);
    return errors.isEmpty()
        ? new RunSpec(
            command,
            privileged ? Optional.empty() : seccomp,
            caps,
            ids[0],
            ids[1],
            Optional.ofNullable(rootfs),
            noNewPrivileges && !privileged)
        : null;
  }

  private CapabilitySet capabilities(List<FieldError> errors) {
    Optional<CapabilitySet> defaults = RuntimeDefaults.named(runtime);
    if (defaults.isEmpty()) {
      errors.add(
          new FieldError(
              "--runtime",
              "unknown runtime \"" + runtime + "\"; expected containerd, crio or podman"));
      return null;
    }
    if (privileged) {
      return currentCapabilities(errors);
    }
    CapabilitySet set =
        runtimeSpelling
            ? runtimeReading().applyTo(defaults.get())
            : CapabilityChange.parse(capDrop, "--cap-drop", capAdd, "--cap-add", errors)
                .applyTo(defaults.get());
    return errors.isEmpty() ? set : null;
  }

  /**
   * What containerd gives a privileged container: every capability this process holds, bounded by
   * the kernel.
   */
  private static CapabilitySet currentCapabilities(List<FieldError> errors) {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          return CapabilitySet.decode(line.substring("CapBnd:".length()))
              .intersect(CapabilitySet.ALL);
        }
      }
    } catch (java.io.IOException e) {
      errors.add(
          new FieldError(
              "--privileged", "cannot read this process's capabilities: " + e.getMessage()));
      return null;
    }
    errors.add(new FieldError("--privileged", "/proc/self/status has no CapBnd line"));
    return null;
  }

  private CapabilityChange runtimeReading() {
    CapabilityChange.Parsed drop = RuntimeCapabilities.read(capDrop);
    CapabilityChange.Parsed add = RuntimeCapabilities.read(capAdd);
    return new CapabilityChange(drop.all(), drop.set(), add.all(), add.set());
  }

  /** uid and gid; the gid defaults to the uid. */
  private int[] ids(List<FieldError> errors) {
    String[] parts = user.split(":", 2);
    try {
      int uid = Integer.parseInt(parts[0]);
      int gid = parts.length > 1 ? Integer.parseInt(parts[1]) : uid;
      if (uid < 0 || gid < 0) {
        throw new NumberFormatException();
      }
      return new int[] {uid, gid};
    } catch (NumberFormatException e) {
      errors.add(
          new FieldError(
              "--user", "expected UID or UID:GID as non-negative numbers, got \"" + user + "\""));
      return null;
    }
  }
}
