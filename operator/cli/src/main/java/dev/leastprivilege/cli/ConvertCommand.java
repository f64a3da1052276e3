package dev.leastprivilege.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.CapabilityChange;
import dev.leastprivilege.core.caps.CapabilitySet;
import dev.leastprivilege.core.caps.RuntimeDefaults;
import dev.leastprivilege.core.convert.ConversionTarget;
import dev.leastprivilege.core.convert.ConvertedProfile;
import dev.leastprivilege.core.convert.DockerProfileConverter;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Docker/OCI JSON to a SeccompProfile, with Docker-only conditions decided explicitly. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Turn a Docker or OCI JSON seccomp profile into a SeccompProfile manifest.",
      "containerd silently ignores Docker-only fields (archMap, includes, excludes), so they are decided here,"
          + " for one architecture and one capability set, and the decisions are written as comments."
    })
final class ConvertCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE.json")
  Path file;

  @Option(names = "--name", required = true, description = "Name of the SeccompProfile.")
  String name;

  @Option(
      names = "--namespace",
      description = "Namespace of the SeccompProfile (default: ${DEFAULT-VALUE}).")
  String namespace = "default";

  @Option(
      names = "--arch",
      converter = ArchitectureName.class,
      description = "Architecture the nodes run (default: this machine's).")
  Architecture arch;

  @Option(
      names = "--capabilities",
      split = ",",
      paramLabel = "CAP",
      description =
          "The containers' capability set, for includes/excludes.caps (default: the runtime's default"
              + " set).")
  List<String> capabilities;

  @Option(
      names = "--runtime",
      description =
          "Runtime whose default capability set applies: containerd, crio or"
              + " podman (default: ${DEFAULT-VALUE}).")
  String runtime = "containerd";

  @Option(
      names = "--kernel",
      paramLabel = "X.Y",
      description =
          "Kernel version for minKernel conditions (default:" + " assume every condition is met).")
  String kernel;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "Write the manifest here instead of stdout.")
  Path out;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<CapabilitySet> defaults = RuntimeDefaults.named(runtime);
    if (defaults.isEmpty()) {
      return fail(
          err,
          "--runtime: unknown runtime \"" + runtime + "\"; expected containerd, crio or podman");
    }
    List<FieldError> errors = new ArrayList<>();
    CapabilitySet caps =
        capabilities == null
            ? defaults.get()
            : CapabilityChange.parseList(capabilities, "--capabilities", errors).expanded();
    if (!errors.isEmpty()) {
      return fail(err, errors.get(0).toString());
    }
    Architecture target =
        arch != null ? arch : SyscallTables.host().orElse(Architecture.SCMP_ARCH_X86_64);
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (JsonProcessingException e) {
      return fail(
          err,
          file + ":" + e.getLocation().getLineNr() + ": malformed JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      return fail(err, file + ": " + e.getMessage());
    }
    ConvertedProfile converted;
    try {
      converted =
          DockerProfileConverter.convert(
              root, new ConversionTarget(target, caps, Optional.ofNullable(kernel)));
    } catch (IllegalArgumentException e) {
      return fail(err, file + ": " + e.getMessage());
    }
    ProfileRef ref = new ProfileRef(namespace, name);
    CompiledProfile compiled = ProfileCompiler.compile(ref, converted.spec(), ProfileLookup.none());
    if (!compiled.ok()) {
      compiled.errors().forEach(e -> err.println("error: " + file + ": " + e));
      err.flush();
      return 1;
    }
    List<String> comments = new ArrayList<>();
    comments.add(
        "Converted by lpo convert from "
            + file.getFileName()
            + " for "
            + target
            + " with capabilities "
            + caps.capNames()
            + (kernel == null ? "" : " and kernel " + kernel)
            + ".");
    converted.notes().forEach(n -> comments.add("- " + n));
    String yaml = ProfileYaml.write(ref, converted.spec(), comments);
    if (out != null) {
      Files.writeString(out, yaml);
    } else {
      spec.commandLine().getOut().print(yaml);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  private static int fail(PrintWriter err, String message) {
    err.println("error: " + message);
    err.flush();
    return 1;
  }
}
