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
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Run the product on this machine: an in-memory Kubernetes API, the operator, one node agent and"
          + " the admission webhook (HTTPS on 127.0.0.1), in this process. Applies the manifests given, waits until"
          + " every profile is Installed or Failed, sends each Pod through the webhook as an API server would, and"
          + " prints the profiles' status and the pods' resulting securityContexts or refusals. The node files land"
          + " under --kubelet-root."
    })
final class LocalCommand implements Callable<Integer> {
  @Option(
      names = "--apply",
      arity = "1..*",
      paramLabel = "PATH",
      required = true,
      description = "Manifest files or folders to apply (the CRDs are installed already).")
  List<Path> apply;

  @Option(
      names = "--kubelet-root",
      paramLabel = "DIR",
      description = "Seccomp root of the local \"node\" (default: ${DEFAULT-VALUE}).")
  Path kubeletRoot = Path.of(".lpo", "kubelet", "seccomp");

  @Option(
      names = "--exit-when-ready",
      description =
          "Exit when every profile is Installed or Failed and every Pod has"
              + " been through the webhook: 0 when every valid profile is installed, 1 otherwise. A refused Pod is an"
              + " answer, not a failure.")
  boolean exitWhenReady;

  @Option(
      names = "--serve",
      description =
          "Keep running and print the webhook's URL and CA file, so any HTTPS client"
              + " can send it AdmissionReviews (the default when --exit-when-ready is not given).")
  boolean serve;

  @Option(
      names = "--webhook-port",
      description = "The webhook's port on 127.0.0.1 (default: a free one).")
  int webhookPort;

  @Option(
      names = "--webhook-dir",
      paramLabel = "DIR",
      description =
          "Where the webhook's CA and certificate are written (default: ${DEFAULT-VALUE}).")
  Path webhookDir = Path.of(".lpo", "webhook");

  @Option(
      names = "--timeout",
      description = "How long to wait for profiles to settle (default: ${DEFAULT-VALUE}).")
  Duration timeout = Duration.ofSeconds(60);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ManifestReader.Result read = ManifestReader.read(apply);
    read.errors().forEach(e -> err.println("error: " + e));
    try (LocalCluster cluster = LocalCluster.start(kubeletRoot, webhookDir, webhookPort)) {
      LocalRun run = new LocalRun(cluster, out, err);
      run.apply(read.manifests());
      boolean settled = run.awaitSettled(timeout);
      run.admitPods();
      run.print(kubeletRoot);
      if (exitWhenReady && !serve) {
        return settled && run.allValidInstalled() && read.errors().isEmpty() && run.nothingRefused()
            ? 0
            : 1;
      }
      out.println();
      out.println("Webhook: " + cluster.webhookUrl());
      out.println("CA file: " + cluster.webhookCa());
      out.println(
          "Send it AdmissionReviews, e.g.: curl --cacert "
              + cluster.webhookCa()
              + " -H 'Content-Type: application/json' --data @review.json "
              + cluster.webhookUrl());
      out.println("Running; the files stay under " + kubeletRoot + ". Press Ctrl-C to stop.");
      out.flush();
      Thread.currentThread().join();
      return 0;
    }
  }
}
