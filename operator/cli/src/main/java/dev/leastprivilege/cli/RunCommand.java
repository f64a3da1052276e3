package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.EnvironmentException;
import dev.leastprivilege.cli.runc.RunSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Runs a command under a rendered profile and a capability set, exactly as a node would apply them.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run CMD in a runc container with a profile's rendered seccomp filter and the capability set a"
          + " securityContext gives, on this machine's kernel. Needs root and runc.",
      "The container's stdout, stderr and exit code are passed through."
    })
final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--profile",
      paramLabel = "FILE",
      description =
          "A SeccompProfile manifest, or an OCI seccomp JSON file (default: no seccomp filter).")
  Path profile;

  @Option(
      names = "--name",
      paramLabel = "NS/NAME",
      converter = ProfileName.class,
      description = "The profile to use when FILE has several.")
  ProfileRef name;

  @Mixin ContainerOptions container;

  @picocli.CommandLine.ArgGroup(exclusive = false)
  PodOptions pod;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "Command and arguments, after --.")
  List<String> command;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<JsonNode> seccomp = Optional.empty();
    List<FieldError> errors = new ArrayList<>();
    if (pod != null && pod.pod != null) {
      if (profile != null) {
        errors.add(
            new FieldError("--profile", "not with --pod: the pod's seccompProfile names the file"));
      }
      profile = pod.apply(container, errors);
    }
    if (profile != null && errors.isEmpty()) {
      Optional<CompiledProfile> compiled = ProfileLoader.load(profile, name, err);
      if (compiled.isEmpty()) {
        err.flush();
        return 1;
      }
      seccomp = Optional.of(new ObjectMapper().readTree(compiled.get().rendered().json()));
    }
    RunSpec run = errors.isEmpty() ? container.runSpec(command, seccomp, errors) : null;
    if (run == null) {
      errors.forEach(e -> err.println("error: " + e));
      err.flush();
      return 1;
    }
    try {
      return ContainerRunner.passThrough(run).exitCode();
    } catch (EnvironmentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return Lpo.ENVIRONMENT_ERROR;
    }
  }
}
