package dev.leastprivilege.e2e;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Short-lived busybox pods that run one command, and what became of them. */
final class TestPods {
  /** Built by e2e/cluster/images.sh: busybox, a setcap'd nc in /usr/local/bin, and writeprobe. */
  static final String IMAGE = "localhost/busybox:e2e";

  /** Container states after which the container will not run its command. */
  private static final Set<String> FAILED_TO_START =
      Set.of(
          "CreateContainerError",
          "RunContainerError",
          "CreateContainerConfigError",
          "CrashLoopBackOff");

  private final KubernetesClient client;

  TestPods(KubernetesClient client) {
    this.client = client;
  }

  /** The outcome of a pod's only container: exit code and logs, or why it never ran. */
  record Outcome(Integer exitCode, String logs, String reason, String message) {}

  static PodBuilder pod(
      String namespace,
      String name,
      Map<String, String> labels,
      SecurityContext securityContext,
      String... command) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withTerminationGracePeriodSeconds(1L)
        .addNewContainer()
        .withName("main")
        .withImage(IMAGE)
        .withImagePullPolicy("Never")
        .withCommand(List.of(command))
        .withSecurityContext(securityContext)
        .endContainer()
        .endSpec();
  }

  /**
   * Creates the pod (replacing one left by an earlier run) and returns it as stored, after
   * admission.
   */
  Pod create(Pod pod) {
    delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    return client.resource(pod).create();
  }

  Outcome awaitOutcome(Pod pod) {
    return awaitOutcome(pod, null);
  }

  /**
   * The outcome of one container of the pod, by name: one of its containers or an ephemeral
   * container (kubectl debug); null means its first container.
   */
  Outcome awaitOutcome(Pod pod, String container) {
    var resource =
        client
            .pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName());
    Pod done =
        resource.waitUntilCondition(
            p ->
                p != null
                    && (terminated(status(p, container)) != null
                        || waiting(status(p, container)) != null),
            2,
            TimeUnit.MINUTES);
    var terminated = terminated(status(done, container));
    if (terminated != null && !"StartError".equals(terminated.getReason())) {
      String logs =
          container == null ? resource.getLog() : resource.inContainer(container).getLog();
      return new Outcome(
          terminated.getExitCode(), logs, terminated.getReason(), terminated.getMessage());
    }
    ContainerState state = status(done, container).getState();
    return terminated != null
        ? new Outcome(null, "", terminated.getReason(), terminated.getMessage())
        : new Outcome(null, "", state.getWaiting().getReason(), state.getWaiting().getMessage());
  }

  Outcome run(Pod pod) {
    return awaitOutcome(create(pod));
  }

  void delete(String namespace, String name) {
    client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(p -> p == null, 1, TimeUnit.MINUTES);
  }

  private static io.fabric8.kubernetes.api.model.ContainerStateTerminated terminated(
      ContainerStatus s) {
    return s == null || s.getState() == null ? null : s.getState().getTerminated();
  }

  private static io.fabric8.kubernetes.api.model.ContainerStateWaiting waiting(ContainerStatus s) {
    var w = s == null || s.getState() == null ? null : s.getState().getWaiting();
    return w != null && FAILED_TO_START.contains(w.getReason()) ? w : null;
  }

  private static ContainerStatus status(Pod p, String container) {
    if (p.getStatus() == null) {
      return null;
    }
    if (container == null) {
      return p.getStatus().getContainerStatuses().isEmpty()
          ? null
          : p.getStatus().getContainerStatuses().get(0);
    }
    return Stream.concat(
            p.getStatus().getContainerStatuses().stream(),
            p.getStatus().getEphemeralContainerStatuses().stream())
        .filter(s -> container.equals(s.getName()))
        .findFirst()
        .orElse(null);
  }
}
