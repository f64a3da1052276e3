package dev.leastprivilege.cli;

import dev.leastprivilege.cli.manifest.PolicyExport;
import dev.leastprivilege.core.convert.spo.SpoFinding;
import dev.leastprivilege.core.convert.spo.SpoMigrated;
import dev.leastprivilege.core.convert.spo.SpoMigration;
import dev.leastprivilege.core.convert.spo.SpoNamespaces;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** SPO's exported objects to ours; the rules are core's {@link SpoMigration}. */
@Command(
    name = "spo",
    mixinStandardHelpOptions = true,
    description = {
      "Convert objects of the Security Profiles Operator (security-profiles-operator.x-k8s.io), as"
          + " `kubectl get seccompprofiles.security-profiles-operator.x-k8s.io,profilebindings,"
          + "profilerecordings -A -o yaml` prints them (a List or several documents), into"
          + " SeccompProfiles and ProfileRecordings for a policy repository.",
      "Status and server fields are left out as lpo export leaves them out, and SPO's own labels"
          + " and annotations (spo.x-k8s.io/...). Base profiles are resolved within the input;"
          + " A base missing from the input is an error, SPO's runc-v<version> and"
          + " crun-v<version> too unless --runtime-base-as-builtin is given; oci:// bases cannot"
          + " be pulled here and are an error."
          + " A ProfileBinding for image \"*\" becomes the profile's podSelector in the binding's"
          + " namespace; one for an image, or a second one of a profile in a namespace, is an"
          + " error that needs your decision, which a comment above the profile explains. SELinux and AppArmor objects are skipped with a note.",
      "Errors and notes go to stderr, each naming the file, the object and the field; the"
          + " objects that convert are written even when others do not. Exits 1 on any error.",
      "Example: kubectl get seccompprofiles.security-profiles-operator.x-k8s.io -o yaml |"
          + " lpo migrate spo --namespace shop --map runtime-base=shop,batch > policies/spo.yaml"
    })
final class MigrateSpoCommand implements Callable<Integer> {
  @Parameters(
      arity = "0..1",
      paramLabel = "FILE|-",
      description = "The exported objects; - or nothing reads stdin.")
  String input = "-";

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NS",
      description =
          "Namespace of the converted objects that have none (SPO's SeccompProfiles are"
              + " cluster-scoped since v0.9.0) and that no --map entry or ProfileBinding places.")
  String namespace;

  @Option(
      names = "--map",
      paramLabel = "NAME=NS[,NS...]",
      description =
          "Put SPO SeccompProfile NAME (or NAMESPACE/NAME, for SPO before v0.9.0) into these"
              + " namespaces instead, one copy in each. Repeatable. Its base profiles follow it.")
  List<String> map = new ArrayList<>();

  @Option(
      names = "--runtime-base-as-builtin",
      description =
          "A runc-v<version> or crun-v<version> base that is not in the input becomes"
              + " builtin:runtime-baseline (with a note) instead of an error. Ours is not SPO's"
              + " list: the converted profiles then allow other calls than in SPO.")
  boolean runtimeBaseAsBuiltin;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "Write here instead of stdout.")
  Path out;

  /** Comments are read in a policy repository's diffs: keep them narrow. */
  static final int COMMENT_WIDTH = 100;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    String source = input.equals("-") ? "stdin" : input;
    SpoNamespaces namespaces;
    try {
      namespaces = SpoNamespaces.of(namespace, map);
    } catch (IllegalArgumentException e) {
      return fail(err, "--map: " + e.getMessage());
    }
    String text;
    try {
      text =
          input.equals("-")
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(input));
    } catch (IOException e) {
      return fail(err, "cannot read " + input + ": " + e.getMessage());
    }
    SpoMigration.Result result;
    try {
      result = SpoMigration.migrate(PolicyExport.objects(text), namespaces, runtimeBaseAsBuiltin);
    } catch (IOException e) {
      return fail(err, source + ": " + e.getMessage());
    }
    StringBuilder yaml = new StringBuilder();
    for (SpoMigrated m : result.objects()) {
      List<String> comments = new ArrayList<>();
      comments.add("Converted by lpo migrate spo from " + m.source() + ".");
      m.notes().forEach(n -> comments.add(wrap("- " + n)));
      yaml.append("---\n")
          .append(
              ProfileYaml.write(
                  m.kind(), m.ref(), m.labels(), m.annotations(), m.spec(), comments));
    }
    for (SpoFinding f : result.findings()) {
      err.println((f.isError() ? "error: " : "note: ") + source + ": " + f);
    }
    if (out != null) {
      Files.writeString(out, yaml.toString());
    } else {
      spec.commandLine().getOut().print(yaml);
      spec.commandLine().getOut().flush();
    }
    long errors = result.findings().stream().filter(SpoFinding::isError).count();
    err.println(
        "converted "
            + result.objects().size()
            + " objects from "
            + source
            + (out == null ? "" : " into " + out)
            + "; "
            + errors
            + (errors == 1 ? " error" : " errors")
            + ". Check them with lpo lint, as the operator will.");
    err.flush();
    return errors > 0 ? 1 : 0;
  }

  /** Comment lines of at most {@link #COMMENT_WIDTH} characters, continued with an indent. */
  static String wrap(String text) {
    StringBuilder sb = new StringBuilder();
    int lineStart = 0;
    for (String word : text.split(" ")) {
      if (sb.length() > lineStart && sb.length() - lineStart + word.length() >= COMMENT_WIDTH) {
        sb.append("\n  ");
        lineStart = sb.length() - 2;
      } else if (sb.length() > lineStart) {
        sb.append(' ');
      }
      sb.append(word);
    }
    return sb.toString();
  }

  private static int fail(PrintWriter err, String message) {
    err.println("error: " + message);
    err.flush();
    return 1;
  }
}
