package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.cli.manifest.PolicyExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints objects from the cluster as a policy repository keeps them. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Read objects as `kubectl get seccompprofiles,capabilitypolicies -o yaml` prints them (a List"
          + " or several documents) and print clean YAML for a policy repository: apiVersion, kind,"
          + " metadata (name, namespace, labels, annotations) and spec; no status and no fields the"
          + " API server sets (uid, resourceVersion, generation, creationTimestamp, managedFields,"
          + " ownerReferences, finalizers, selfLink, kubectl's last-applied annotation), and no"
          + " mark of the recording that made them (the leastprivilege.dev/recorded-by label and"
          + " recorded-by-uid annotation): the exported objects are yours, and a later recording"
          + " of the same name reports ResultNameTaken instead of overwriting them.",
      "Example: kubectl get seccompprofiles,capabilitypolicies -n team-a -l"
          + " leastprivilege.dev/recorded-by=web -o yaml | lpo export > policies/team-a.yaml"
    })
final class ExportCommand implements Callable<Integer> {
  @Parameters(
      arity = "0..1",
      paramLabel = "FILE|-",
      description = "The objects to read; - or nothing reads stdin.")
  String input = "-";

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description = "Write here instead of stdout.")
  Path out;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    String text;
    try {
      text =
          input.equals("-")
              ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(input));
    } catch (IOException e) {
      err.println("error: cannot read " + input + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    List<ObjectNode> objects;
    try {
      objects = PolicyExport.objects(text);
    } catch (IOException e) {
      err.println("error: " + (input.equals("-") ? "stdin" : input) + ": " + e.getMessage());
      err.flush();
      return 1;
    }
    String yaml = PolicyExport.write(objects);
    if (out != null) {
      Files.writeString(out, yaml);
      err.println("exported " + objects.size() + " objects into " + out);
      err.flush();
    } else {
      spec.commandLine().getOut().print(yaml);
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
