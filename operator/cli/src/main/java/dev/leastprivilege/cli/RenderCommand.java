package dev.leastprivilege.cli;

import dev.leastprivilege.cli.manifest.PolicyRepository;
import dev.leastprivilege.core.profile.CompiledProfile;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints or writes the node files, byte for byte what the agent writes. */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    description =
        "Print the rendered seccomp JSON of one profile, or write every valid profile to"
            + " DIR/leastprivilege/<namespace>/<name>.json. Invalid profiles get an error and no file.")
final class RenderCommand implements Callable<Integer> {
  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Files or folders with SeccompProfiles.")
  List<Path> paths;

  @Option(names = "--name", paramLabel = "NS/NAME", description = "The profile to print.")
  String name;

  @Option(names = "--out", paramLabel = "DIR", description = "Write every valid profile under DIR.")
  Path out;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    PolicyRepository repo = PolicyRepository.load(paths);
    repo.fileErrors().forEach(e -> stderr.println("error: " + e));
    int failures = repo.fileErrors().size();
    if (out == null) {
      Optional<PolicyRepository.ProfileDoc> doc = pick(repo, stderr);
      if (doc.isEmpty()) {
        stderr.flush();
        return 1;
      }
      CompiledProfile c = repo.compile(doc.get());
      if (!c.ok()) {
        report(stderr, doc.get(), c);
        stderr.flush();
        return 1;
      }
      stdout.print(new String(c.rendered().json(), StandardCharsets.UTF_8));
      stdout.flush();
      stderr.flush();
      return failures > 0 ? 1 : 0;
    }
    for (PolicyRepository.ProfileDoc doc : repo.profiles()) {
      if (name != null && !doc.ref().toString().equals(name)) {
        continue;
      }
      CompiledProfile c = repo.compile(doc);
      if (c.ok()) {
        stdout.println(ProfileFiles.write(out, c.rendered()) + " " + c.rendered().contentHash());
      } else {
        report(stderr, doc, c);
        failures++;
      }
    }
    stdout.flush();
    stderr.flush();
    return failures > 0 ? 1 : 0;
  }

  private Optional<PolicyRepository.ProfileDoc> pick(PolicyRepository repo, PrintWriter stderr) {
    if (name != null) {
      Optional<PolicyRepository.ProfileDoc> doc = repo.profile(name);
      if (doc.isEmpty()) {
        stderr.println(
            "error: no SeccompProfile "
                + name
                + " in "
                + paths
                + "; profiles found: "
                + repo.profiles().stream().map(p -> p.ref().toString()).toList());
      }
      return doc;
    }
    if (repo.profiles().size() == 1) {
      return Optional.of(repo.profiles().get(0));
    }
    stderr.println(
        "error: "
            + repo.profiles().size()
            + " SeccompProfiles found; pick one with --name NS/NAME"
            + " or write them all with --out DIR");
    return Optional.empty();
  }

  static void report(PrintWriter err, PolicyRepository.ProfileDoc doc, CompiledProfile c) {
    c.errors()
        .forEach(
            e -> err.println(doc.source() + ": SeccompProfile " + doc.ref() + ": error: " + e));
  }
}
