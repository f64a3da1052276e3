package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.cli.manifest.PolicyRepository;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.profile.CompiledProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Validates every SeccompProfile and CapabilityPolicy in the given files, the way the operator
 * will.
 */
@Command(
    name = "lint",
    mixinStandardHelpOptions = true,
    description =
        "Validate SeccompProfiles and CapabilityPolicies in files and folders (multi-document YAML)."
            + " Exits 1 on any error, or on any warning with --strict.")
final class LintCommand implements Callable<Integer> {
  enum Output {
    text,
    json
  }

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Files or folders (*.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--strict", description = "Fail on warnings too.")
  boolean strict;

  @Option(
      names = {"-o", "--output"},
      description = "text (default) or json.")
  Output output = Output.text;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One object's verdict; file errors have no kind or name. */
  record Finding(
      String file,
      int line,
      String kind,
      String namespace,
      String name,
      List<FieldError> errors,
      List<String> warnings) {}

  record Report(int objects, int errors, int warnings, List<Finding> findings) {}

  @Override
  public Integer call() throws Exception {
    PolicyRepository repo = PolicyRepository.load(paths);
    List<Finding> findings = new ArrayList<>();
    for (String e : repo.fileErrors()) {
      findings.add(
          new Finding(e, 0, null, null, null, List.of(new FieldError("file", e)), List.of()));
    }
    Set<String> seen = new HashSet<>();
    for (PolicyRepository.ProfileDoc doc : repo.profiles()) {
      CompiledProfile c = repo.compile(doc);
      List<FieldError> errors = new ArrayList<>(c.errors());
      if (!seen.add("SeccompProfile/" + doc.ref())) {
        errors.add(
            new FieldError(
                "metadata.name", "SeccompProfile " + doc.ref() + " is defined more than once"));
      }
      List<String> warnings = new ArrayList<>(doc.notes());
      warnings.addAll(c.warnings());
      findings.add(
          new Finding(
              doc.source().file().toString(),
              doc.source().line(),
              SeccompProfile.KIND,
              doc.ref().namespace(),
              doc.ref().name(),
              errors,
              warnings));
    }
    for (PolicyRepository.PolicyDoc doc : repo.policies()) {
      List<FieldError> errors = new ArrayList<>(doc.readErrors());
      List<String> warnings = new ArrayList<>();
      if (errors.isEmpty()) {
        CapabilityPolicyValidator.Result r =
            CapabilityPolicyValidator.validate(doc.namespace(), doc.name(), doc.spec());
        errors.addAll(r.errors());
        warnings.addAll(r.warnings());
      }
      if (!seen.add("CapabilityPolicy/" + doc.namespace() + "/" + doc.name())) {
        errors.add(
            new FieldError(
                "metadata.name",
                "CapabilityPolicy "
                    + doc.namespace()
                    + "/"
                    + doc.name()
                    + " is defined more than once"));
      }
      findings.add(
          new Finding(
              doc.source().file().toString(),
              doc.source().line(),
              CapabilityPolicy.KIND,
              doc.namespace(),
              doc.name(),
              errors,
              warnings));
    }
    int errorCount = findings.stream().mapToInt(f -> f.errors().size()).sum();
    int warningCount = findings.stream().mapToInt(f -> f.warnings().size()).sum();
    int objects = repo.profiles().size() + repo.policies().size();
    PrintWriter out = spec.commandLine().getOut();
    if (output == Output.json) {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(new Report(objects, errorCount, warningCount, findings)));
    } else {
      printText(out, findings, objects, errorCount, warningCount);
    }
    out.flush();
    return errorCount > 0 || (strict && warningCount > 0) ? 1 : 0;
  }

  private static void printText(
      PrintWriter out, List<Finding> findings, int objects, int errors, int warnings) {
    for (Finding f : findings) {
      String where =
          f.kind() == null
              ? ""
              : f.file()
                  + ":"
                  + f.line()
                  + ": "
                  + f.kind()
                  + " "
                  + f.namespace()
                  + "/"
                  + f.name()
                  + ": ";
      for (FieldError e : f.errors()) {
        out.println(f.kind() == null ? "error: " + e.message() : where + "error: " + e);
      }
      for (String w : f.warnings()) {
        out.println(where + "warning: " + w);
      }
    }
    out.printf(
        "%d objects checked: %d %s, %d %s%n",
        objects,
        errors,
        errors == 1 ? "error" : "errors",
        warnings,
        warnings == 1 ? "warning" : "warnings");
  }
}
