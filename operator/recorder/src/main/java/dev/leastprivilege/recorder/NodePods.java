package dev.leastprivilege.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.record.ContainerRoute;
import dev.leastprivilege.core.record.NodeActivity.ContainerKey;
import dev.leastprivilege.core.record.RecordRouting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pods of this node (watched with {@code fieldSelector spec.nodeName=<node>}) by container ID,
 * with the Audit SeccompProfiles and the CapabilityPolicies that decide where their records count.
 * Any change bumps a version and calls {@code changed}; the routes are rebuilt on the next lookup.
 */
final class NodePods implements AutoCloseable {
  /** A container on this node and where its records count. */
  record Placed(ContainerKey key, ContainerRoute route) {}

  private final KubernetesClient client;
  private final String nodeName;
  private final Runnable changed;
  private final AtomicLong version = new AtomicLong();
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<SeccompProfile> profiles;
  private SharedIndexInformer<CapabilityPolicy> policies;
  private long builtVersion = -1;
  private Map<String, Placed> byContainerId = Map.of();

  NodePods(KubernetesClient client, String nodeName, Runnable changed) {
    this.client = client;
    this.nodeName = nodeName;
    this.changed = changed;
  }

  void start() throws Exception {
    pods = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).runnableInformer(0);
    profiles = client.resources(SeccompProfile.class).inAnyNamespace().runnableInformer(0);
    policies = client.resources(CapabilityPolicy.class).inAnyNamespace().runnableInformer(0);
    for (SharedIndexInformer<? extends HasMetadata> i : List.of(pods, profiles, policies)) {
      watch(i);
      // Whatever goes wrong in a list or a watch, list again rather than stop.
      i.exceptionHandler((started, error) -> true);
    }
    for (SharedIndexInformer<? extends HasMetadata> i : List.of(pods, profiles, policies)) {
      i.start().toCompletableFuture().get(2, TimeUnit.MINUTES);
    }
  }

  private <T extends HasMetadata> void watch(SharedIndexInformer<T> informer) {
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            bump();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            bump();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            bump();
          }
        });
  }

  private void bump() {
    version.incrementAndGet();
    changed.run();
  }

  boolean isWatching() {
    return pods == null || pods.isRunning() && profiles.isRunning() && policies.isRunning();
  }

  boolean isSynced() {
    return pods != null && pods.hasSynced() && profiles.hasSynced() && policies.hasSynced();
  }

  /** The container with this ID, if a pod of this node shows it (in any of its status lists). */
  Optional<Placed> lookup(String containerId) {
    rebuildIfChanged();
    return Optional.ofNullable(byContainerId.get(containerId));
  }

  /** Every container of this node's pods with where its records count. */
  List<Placed> all() {
    rebuildIfChanged();
    return new ArrayList<>(byContainerId.values());
  }

  /** The UIDs of the pods on this node now. */
  List<String> podUids() {
    return pods.getStore().list().stream().map(p -> p.getMetadata().getUid()).toList();
  }

  private void rebuildIfChanged() {
    long v = version.get();
    if (v == builtVersion) {
      return;
    }
    builtVersion = v;
    Map<String, ProfileRef> audit = new HashMap<>();
    for (SeccompProfile p : profiles.getStore().list()) {
      if (p.getSpec() != null && p.getSpec().getMode() == Mode.Audit) {
        ProfileRef ref = new ProfileRef(p.getMetadata().getNamespace(), p.getMetadata().getName());
        audit.put(ref.localhostProfile(), ref);
      }
    }
    Map<String, List<PolicyCandidate>> byNamespace = new HashMap<>();
    for (CapabilityPolicy p : policies.getStore().list()) {
      if (p.getSpec() != null) {
        byNamespace
            .computeIfAbsent(p.getMetadata().getNamespace(), n -> new ArrayList<>())
            .add(PolicyCandidate.of(p.getMetadata().getName(), p.getSpec()));
      }
    }
    Map<String, Placed> index = new HashMap<>();
    for (Pod pod : pods.getStore().list()) {
      String ns = pod.getMetadata().getNamespace();
      AdmittedPod admitted =
          AdmittedPod.of(client.getKubernetesSerialization().convertValue(pod, JsonNode.class), ns);
      List<PolicyCandidate> nsPolicies = byNamespace.getOrDefault(ns, List.of());
      for (ContainerStatus s : statuses(pod.getStatus())) {
        containerId(s.getContainerID())
            .ifPresent(
                id ->
                    index.put(
                        id,
                        new Placed(
                            new ContainerKey(
                                ns,
                                pod.getMetadata().getName(),
                                pod.getMetadata().getUid(),
                                s.getName()),
                            RecordRouting.route(admitted, s.getName(), audit, nsPolicies))));
      }
    }
    byContainerId = index;
  }

  private static List<ContainerStatus> statuses(PodStatus status) {
    List<ContainerStatus> all = new ArrayList<>();
    if (status != null) {
      for (List<ContainerStatus> list :
          List.of(
              status.getInitContainerStatuses(),
              status.getContainerStatuses(),
              status.getEphemeralContainerStatuses())) {
        if (list != null) {
          all.addAll(list);
        }
      }
    }
    return all;
  }

  /** {@code containerd://<id>} (or cri-o://, docker://) to the bare ID the cgroup path carries. */
  static Optional<String> containerId(String statusId) {
    if (statusId == null || statusId.isBlank()) {
      return Optional.empty();
    }
    int scheme = statusId.indexOf("://");
    return Optional.of(scheme < 0 ? statusId : statusId.substring(scheme + 3));
  }

  @Override
  public void close() {
    for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {pods, profiles, policies}) {
      if (i != null) {
        i.stop();
      }
    }
  }
}
