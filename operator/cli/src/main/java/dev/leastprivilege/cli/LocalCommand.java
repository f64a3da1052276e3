package dev.leastprivilege.cli;

import dev.leastprivilege.cli.local.LocalCluster;
import dev.leastprivilege.cli.local.LocalRun;
import dev.leastprivilege.cli.manifest.ManifestReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The whole product on one machine, in seconds. */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = {"Run the product on this machine: an in-memory Kubernetes API, the operator and one node agent,"
        + " in this process. Applies the manifests given, waits until every profile is Installed or Failed, and"
        + " prints their status. The node files land under --kubelet-root."})
final class LocalCommand implements Callable<Integer> {
  @Option(names = "--apply", arity = "1..*", paramLabel = "PATH", required = true,
      description = "Manifest files or folders to apply (the CRDs are installed already).")
  List<Path> apply;

  @Option(names = "--kubelet-root", paramLabel = "DIR",
      description = "Seccomp root of the local \"node\" (default: ${DEFAULT-VALUE}).")
  Path kubeletRoot = Path.of(".lpo", "kubelet", "seccomp");

  @Option(names = "--exit-when-ready", description = "Exit when every profile is Installed or Failed: 0 when every"
      + " valid profile is installed, 1 otherwise.")
  boolean exitWhenReady;

  @Option(names = "--timeout", description = "How long to wait for profiles to settle (default: ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(60);

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ManifestReader.Result read = ManifestReader.read(apply);
    read.errors().forEach(e -> err.println("error: " + e));
    try (LocalCluster cluster = LocalCluster.start(kubeletRoot)) {
      LocalRun run = new LocalRun(cluster, out, err);
      run.apply(read.manifests());
      boolean settled = run.awaitSettled(timeout);
      run.print(kubeletRoot);
      if (exitWhenReady) {
        return settled && run.allValidInstalled() && read.errors().isEmpty() && run.nothingRefused() ? 0 : 1;
      }
      out.println();
      out.println("Running; the files stay under " + kubeletRoot + ". Press Ctrl-C to stop.");
      out.flush();
      Thread.currentThread().join();
      return 0;
    }
  }
}
