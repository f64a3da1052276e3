package dev.leastprivilege.controller.workloads;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl rollout restart}: a new restartedAt annotation on the pod template. A second
 * annotation records which profile or policy version asked for it, so one version restarts a
 * workload once: if its new pods are still not compliant (the webhook is down, say), restarting
 * again would only loop.
 */
final class RolloutRestarter {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutRestarter.class);
  static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
  static final String RESTARTED_FOR = "leastprivilege.dev/restarted-for";
  private final KubernetesClient client;

  RolloutRestarter(KubernetesClient client) {
    this.client = client;
  }

  /** Returns whether it restarted the owner now (false when this reason already restarted it). */
  boolean restart(Owner owner, String reason) {
    var resource =
        client
            .genericKubernetesResources("apps/v1", owner.kind())
            .inNamespace(owner.namespace())
            .withName(owner.name());
    GenericKubernetesResource current = resource.get();
    if (current == null) {
      return false;
    }
    Object done = annotations(current).get(RESTARTED_FOR);
    if (reason.equals(done)) {
      return false;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String patch =
        "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
            + RESTARTED_AT
            + "\":\""
            + now
            + "\",\""
            + RESTARTED_FOR
            + "\":\""
            + reason.replace("\"", "")
            + "\"}}}}}";
    resource.patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
    LOG.info("restarted {} in {} for {}", owner, owner.namespace(), reason);
    return true;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> annotations(GenericKubernetesResource r) {
    Object spec = r.getAdditionalProperties().get("spec");
    Object template = spec instanceof Map<?, ?> m ? m.get("template") : null;
    Object meta = template instanceof Map<?, ?> m ? m.get("metadata") : null;
    Object ann = meta instanceof Map<?, ?> m ? m.get("annotations") : null;
    return ann instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
