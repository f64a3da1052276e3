package dev.leastprivilege.controller;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tier's kubectl (the pinned build's, or the one given with the API server: {@link
 * KubernetesBinaries}), run as a user runs it.
 */
final class Kubectl {
  private final Path kubeconfig;
  private final Path binary;

  /** What kubectl printed and how it exited. */
  record Result(int exit, String out, String err) {}

  Kubectl(String kubeconfigYaml, Path dir) throws IOException {
    this.kubeconfig = Files.writeString(dir.resolve("kubeconfig"), kubeconfigYaml);
    this.binary = RealApiServer.binaries().kubectl();
  }

  /** {@code kubectl apply -f -} with the given manifest on stdin. */
  Result apply(String manifest) throws IOException, InterruptedException {
    return run(manifest, "apply", "-f", "-");
  }

  Result run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("kubectl " + String.join(" ", args) + " did not finish in 60 s");
    }
    return new Result(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
