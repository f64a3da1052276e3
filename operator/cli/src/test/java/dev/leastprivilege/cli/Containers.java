package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.RunSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import dev.leastprivilege.core.profile.CompiledProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs containers the way lpo run does, capturing what the container printed. */
final class Containers {
  private Containers() {}

  /**
   * A run as `lpo run` would do it: a profile from a file (or none), a securityContext's drop/add,
   * a user.
   */
  static ContainerRunner.Result run(
      Path profile, String name, List<String> drop, List<String> add, int uid, String... command)
      throws Exception {
    return run(profile, name, drop, add, uid, Optional.empty(), false, command);
  }

  static ContainerRunner.Result run(
      Path profile,
      String name,
      List<String> drop,
      List<String> add,
      int uid,
      Optional<Path> rootfs,
      boolean noNewPrivileges,
      String... command)
      throws Exception {
    Optional<JsonNode> seccomp = Optional.empty();
    if (profile != null) {
      StringWriter err = new StringWriter();
      Optional<CompiledProfile> c =
          ProfileLoader.load(
              profile,
              name == null ? null : new ProfileName().convert(name),
              new PrintWriter(err, true));
      assertTrue(c.isPresent(), err.toString());
      seccomp = Optional.of(new ObjectMapper().readTree(c.get().rendered().json()));
    }
    List<FieldError> errors = new ArrayList<>();
    CapabilitySet caps =
        CapabilityChange.parse(drop, "drop", add, "add", errors)
            .applyTo(RuntimeDefaults.CONTAINERD);
    assertTrue(errors.isEmpty(), errors.toString());
    return ContainerRunner.capture(
        new RunSpec(List.of(command), seccomp, caps, uid, uid, rootfs, noNewPrivileges));
  }

  static ContainerRunner.Result run(Path profile, String... command) throws Exception {
    return run(profile, null, List.of(), List.of(), 0, command);
  }

  static ProfileRef ref(String s) {
    return new ProfileName().convert(s);
  }
}
