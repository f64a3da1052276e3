package dev.leastprivilege.cli;

import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Capability masks and sets, as capsh and /proc/PID/status show them. */
@Command(
    name = "caps",
    mixinStandardHelpOptions = true,
    description = "Decode, encode and compute capability sets.",
    subcommands = {CapsCommand.Decode.class, CapsCommand.Encode.class, CapsCommand.Effective.class})
final class CapsCommand {

  @Command(
      name = "decode",
      mixinStandardHelpOptions = true,
      description = "Print the capabilities in a hex mask, as capsh --decode does.")
  static final class Decode implements Callable<Integer> {
    @Parameters(paramLabel = "HEX", description = "e.g. 0x00000000800405fb, as in /proc/PID/status")
    String hex;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try {
        spec.commandLine().getOut().println(CapabilitySet.decode(hex).toCapshString());
        return 0;
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("error: " + e.getMessage());
        return 1;
      }
    }
  }

  @Command(
      name = "encode",
      mixinStandardHelpOptions = true,
      description = "Print the hex mask of capabilities.")
  static final class Encode implements Callable<Integer> {
    @Parameters(
        arity = "1..*",
        split = ",",
        paramLabel = "CAP",
        description = "e.g. NET_BIND_SERVICE,cap_chown")
    List<String> names;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<FieldError> errors = new ArrayList<>();
      CapabilitySet set = CapabilityChange.parseList(names, "CAP", errors).expanded();
      return print(spec, errors, set.encode());
    }
  }

  @Command(
      name = "effective",
      mixinStandardHelpOptions = true,
      description =
          "Print the set a container gets from a runtime's defaults and a securityContext's drop/add.")
  static final class Effective implements Callable<Integer> {
    @Option(
        names = "--runtime",
        description = "containerd, crio or podman (default: ${DEFAULT-VALUE}).")
    String runtime = "containerd";

    @Option(names = "--drop", split = ",", paramLabel = "CAP")
    List<String> drop = new ArrayList<>();

    @Option(names = "--add", split = ",", paramLabel = "CAP")
    List<String> add = new ArrayList<>();

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<FieldError> errors = new ArrayList<>();
      Optional<CapabilitySet> defaults = RuntimeDefaults.named(runtime);
      if (defaults.isEmpty()) {
        errors.add(
            new FieldError(
                "--runtime",
                "unknown runtime \"" + runtime + "\"; expected containerd, crio or podman"));
        return print(spec, errors, "");
      }
      CapabilitySet set =
          CapabilityChange.parse(drop, "--drop", add, "--add", errors).applyTo(defaults.get());
      return print(spec, errors, set.encode() + " " + set.toCapshString());
    }
  }

  private static int print(
      picocli.CommandLine.Model.CommandSpec spec, List<FieldError> errors, String result) {
    if (!errors.isEmpty()) {
      PrintWriter err = spec.commandLine().getErr();
      errors.forEach(e -> err.println("error: " + e));
      return 1;
    }
    spec.commandLine().getOut().println(result);
    return 0;
  }
}
