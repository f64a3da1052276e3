package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.cli.manifest.Manifest;
import dev.leastprivilege.cli.manifest.ManifestReader;
import dev.leastprivilege.core.FieldError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Option;

/**
 * {@code lpo run --pod}: take the securityContext of a stored Pod (what the webhook made of it,
 * e.g. from {@code kubectl get pod -o yaml}) instead of spelling out --cap-drop, --cap-add, --user
 * and --profile.
 */
final class PodOptions {
  @Option(
      names = "--pod",
      paramLabel = "FILE",
      description =
          "A Pod manifest whose container securityContext to"
              + " apply, as containerd would: seccompProfile (a Localhost file under --kubelet-root), capabilities (spelt"
              + " as the runtime reads them), privileged, runAsUser/runAsGroup and allowPrivilegeEscalation.")
  Path pod;

  @Option(
      names = "--container",
      paramLabel = "NAME",
      description = "Which container of --pod (default: the first).")
  String container;

  @Option(
      names = "--kubelet-root",
      paramLabel = "DIR",
      description =
          "The kubelet's seccomp root, where Localhost"
              + " profiles live (default: ${DEFAULT-VALUE}, where lpo local writes them).")
  Path kubeletRoot = Path.of(".lpo", "kubelet", "seccomp");

  /**
   * The seccomp file the container uses, or null; fills the container options from the
   * securityContext.
   */
  Path apply(ContainerOptions options, List<FieldError> errors) throws IOException {
    ManifestReader.Result read = ManifestReader.read(List.of(pod));
    read.errors().forEach(e -> errors.add(new FieldError("--pod", e.toString())));
    Manifest m =
        read.manifests().stream().filter(x -> x.kind().equals("Pod")).findFirst().orElse(null);
    if (m == null) {
      errors.add(new FieldError("--pod", pod + " holds no Pod"));
      return null;
    }
    JsonNode spec = m.body().path("spec");
    JsonNode c =
        StreamSupport.stream(spec.path("containers").spliterator(), false)
            .filter(x -> container == null || container.equals(x.path("name").asText()))
            .findFirst()
            .orElse(null);
    if (c == null) {
      errors.add(
          new FieldError(
              "--container", "pod " + m.name() + " has no container \"" + container + "\""));
      return null;
    }
    JsonNode sc = c.path("securityContext");
    JsonNode podSc = spec.path("securityContext");
    options.runtimeSpelling = true;
    options.privileged = sc.path("privileged").asBoolean(false);
    options.capDrop = texts(sc.path("capabilities").path("drop"));
    options.capAdd = texts(sc.path("capabilities").path("add"));
    long uid = sc.path("runAsUser").asLong(podSc.path("runAsUser").asLong(0));
    long gid = sc.path("runAsGroup").asLong(podSc.path("runAsGroup").asLong(uid));
    options.user = uid + ":" + gid;
    options.noNewPrivileges = !sc.path("allowPrivilegeEscalation").asBoolean(true);
    JsonNode seccomp =
        sc.path("seccompProfile").isObject()
            ? sc.path("seccompProfile")
            : podSc.path("seccompProfile");
    if (options.privileged || !"Localhost".equals(seccomp.path("type").asText())) {
      return null;
    }
    return kubeletRoot.resolve(seccomp.path("localhostProfile").asText());
  }

  private static List<String> texts(JsonNode list) {
    return StreamSupport.stream(list.spliterator(), false).map(JsonNode::asText).toList();
  }
}
