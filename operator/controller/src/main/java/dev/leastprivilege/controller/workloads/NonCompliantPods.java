package dev.leastprivilege.controller.workloads;

import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.controller.support.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Running pods a profile or policy selects but that run without it. Their owners are named in an Event, and,
 * when the object asks for it ({@code restartNonCompliant: true}), restarted as {@code kubectl rollout restart}
 * does. Pods are listed by the API server with the object's selector when it reconciles, not cached.
 */
public final class NonCompliantPods {
  private final KubernetesClient client;
  private final EventRecorder events;
  private final RolloutRestarter restarter;
  private final java.time.Duration recount;

  /** What was found: the pods selected, those not compliant, and their owners. */
  public record Review(List<Pod> selected, List<Pod> nonCompliant, Set<Owner> owners) {}

  public NonCompliantPods(KubernetesClient client, EventRecorder events, java.time.Duration recount) {
    this.client = client;
    this.events = events;
    this.recount = recount;
    this.restarter = new RolloutRestarter(client);
  }

  /** How soon an object that selects pods is reviewed again. */
  public java.time.Duration recount() {
    return recount;
  }

  /** Running pods of the namespace the selector picks (an absent selector picks all). */
  public List<Pod> selected(String namespace, PodSelector selector) {
    return client.pods().inNamespace(namespace).withLabelSelector(PodSelectors.toLabelSelector(selector)).list()
        .getItems().stream().filter(p -> p.getStatus() == null
            || !List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /**
   * Finds the non-compliant pods among {@code selected}; when their number changed since {@code previousCount},
   * records an Event naming their owners, and restarts the owners when {@code restart} is set.
   *
   * @param reason why, for the restart annotation and messages, e.g. "SeccompProfile web@3"
   */
  public Review review(HasMetadata about, List<Pod> selected, Predicate<Pod> compliant, Integer previousCount,
      boolean restart, String reason) {
    List<Pod> wrong = selected.stream().filter(compliant.negate()).toList();
    Set<Owner> owners = new LinkedHashSet<>();
    wrong.forEach(p -> owners.add(ownerOf(p)));
    boolean changed = previousCount == null || previousCount != wrong.size();
    if (!wrong.isEmpty() && changed) {
      events.warning(about, "NonCompliantPods", wrong.size() + " running pods do not use " + reason + " (they"
          + " started before it or while the webhook was down), owned by: " + join(owners) + (restart ? ""
          : ". Restart them (kubectl rollout restart) or set spec.restartNonCompliant: true."));
    }
    if (restart) {
      for (Owner o : owners) {
        if (o.restartable() && restarter.restart(o, reason)) {
          events.normal(about, "RolloutRestarted", "restarted " + o + " so that its pods are admitted with " + reason);
        }
      }
    }
    return new Review(selected, wrong, owners);
  }

  private Owner ownerOf(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    Optional<OwnerReference> ref = controller(pod);
    if (ref.isEmpty()) {
      return new Owner("Pod", ns, pod.getMetadata().getName());
    }
    if (ref.get().getKind().equals("ReplicaSet")) {
      ReplicaSet rs = client.apps().replicaSets().inNamespace(ns).withName(ref.get().getName()).get();
      Optional<OwnerReference> deployment = rs == null ? Optional.empty() : controller(rs);
      if (deployment.isPresent()) {
        return new Owner(deployment.get().getKind(), ns, deployment.get().getName());
      }
    }
    return new Owner(ref.get().getKind(), ns, ref.get().getName());
  }

  private static Optional<OwnerReference> controller(HasMetadata o) {
    return o.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  private static String join(Set<Owner> owners) {
    return String.join(", ", owners.stream().limit(10).map(Owner::toString).toList())
        + (owners.size() > 10 ? " and " + (owners.size() - 10) + " more" : "");
  }
}
