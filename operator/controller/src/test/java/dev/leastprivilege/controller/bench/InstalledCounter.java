package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches every SeccompProfile and counts, per namespace, those whose status says Installed on
 * every node for their current generation: what a user checks with {@code kubectl get}.
 */
final class InstalledCounter implements AutoCloseable {
  private final SharedIndexInformer<SeccompProfile> informer;
  private final Map<String, Boolean> done = new ConcurrentHashMap<>();

  InstalledCounter(KubernetesClient client) {
    informer =
        client
            .resources(SeccompProfile.class)
            .inAnyNamespace()
            .withLimit(500L)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SeccompProfile p) {
                    record(p);
                  }

                  @Override
                  public void onUpdate(SeccompProfile old, SeccompProfile p) {
                    record(p);
                  }

                  @Override
                  public void onDelete(SeccompProfile p, boolean unknown) {
                    done.remove(key(p));
                  }
                });
  }

  private static String key(SeccompProfile p) {
    return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
  }

  private void record(SeccompProfile p) {
    var s = p.getStatus();
    boolean installed =
        s != null
            && s.getPhase() == ProfilePhase.Installed
            && Objects.equals(s.getObservedGeneration(), p.getMetadata().getGeneration())
            && s.getNodes() != null
            && s.getNodes().getDesired() > 0
            && s.getNodes().getInstalled() == s.getNodes().getDesired();
    done.put(key(p), installed);
  }

  /** Waits until {@code n} profiles of the namespace are Installed on every node. */
  void await(String namespace, int n) throws InterruptedException {
    while (count(namespace) < n) {
      Thread.sleep(20);
    }
  }

  private long count(String namespace) {
    String prefix = namespace + "/";
    return done.entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix) && e.getValue())
        .count();
  }

  /** How many profiles in the cluster are Installed on every node. */
  long installedEverywhere() {
    return done.values().stream().filter(b -> b).count();
  }

  @Override
  public void close() {
    informer.close();
  }
}
