package dev.leastprivilege.controller.workloads;

import dev.leastprivilege.core.workload.RestartRequest;
import dev.leastprivilege.core.workload.RestartRule;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kubectl rollout restart}: a new restartedAt annotation on the pod template, and {@link
 * RestartRule#RESTARTED_FOR} naming the objects it was restarted for. Whether to restart is core's
 * {@link RestartRule}; this reads the workload, asks it, and patches.
 *
 * <p>The patch carries the workload's resourceVersion, so the API server refuses it if anything
 * changed the workload since it was read: when the SeccompProfile and the CapabilityPolicy
 * reconcilers decide about one workload at the same moment, one patch lands and the other reads the
 * workload again, finds the same set recorded, and leaves it.
 */
final class RolloutRestarter {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutRestarter.class);

  /** Reads and decisions after a conflict; more means something else keeps writing it. */
  private static final int ATTEMPTS = 3;

  private final KubernetesClient client;

  RolloutRestarter(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Restarts the owner if the rule says so; returns whether it did.
   *
   * @param reviewer the object that found its pods non-compliant (kind and name)
   * @param namespaceObjects the SeccompProfiles and CapabilityPolicies of the owner's namespace
   */
  boolean restart(
      Owner owner,
      String reviewerKind,
      String reviewerName,
      Supplier<List<RestartRequest>> namespaceObjects) {
    var resource =
        client
            .genericKubernetesResources("apps/v1", owner.kind())
            .inNamespace(owner.namespace())
            .withName(owner.name());
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      GenericKubernetesResource current = resource.get();
      if (current == null) {
        return false;
      }
      RestartRule.Decision decision =
          RestartRule.decide(
              reviewerKind, reviewerName, workload(owner, current), namespaceObjects.get());
      if (!decision.restart()) {
        return false;
      }
      try {
        resource.patch(
            PatchContext.of(PatchType.JSON_MERGE),
            client
                .getKubernetesSerialization()
                .asJson(patch(current.getMetadata().getResourceVersion(), decision.record())));
        LOG.info("restarted {} in {} for {}", owner, owner.namespace(), decision.record());
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        LOG.debug("{} in {} changed while deciding; reading it again", owner, owner.namespace());
      }
    }
    return false;
  }

  /** A merge patch that applies only to the version read ({@code metadata.resourceVersion}). */
  private static Map<String, Object> patch(String resourceVersion, String record) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    return Map.of(
        "metadata",
        Map.of("resourceVersion", resourceVersion),
        "spec",
        Map.of(
            "template",
            Map.of(
                "metadata",
                Map.of(
                    "annotations",
                    Map.of(RestartRule.RESTARTED_AT, now, RestartRule.RESTARTED_FOR, record)))));
  }

  private static RestartRule.Workload workload(Owner owner, GenericKubernetesResource r) {
    Map<?, ?> template = map(map(r.getAdditionalProperties().get("spec")).get("template"));
    Map<?, ?> meta = map(template.get("metadata"));
    Map<?, ?> spec = map(template.get("spec"));
    Set<String> containers = new LinkedHashSet<>();
    for (String field : List.of("initContainers", "containers")) {
      if (spec.get(field) instanceof List<?> list) {
        list.forEach(c -> containers.add(String.valueOf(map(c).get("name"))));
      }
    }
    Object recorded = map(meta.get("annotations")).get(RestartRule.RESTARTED_FOR);
    return new RestartRule.Workload(
        owner.kind(),
        strings(map(meta.get("labels"))),
        containers,
        recorded == null ? null : recorded.toString());
  }

  private static Map<?, ?> map(Object o) {
    return o instanceof Map<?, ?> m ? m : Map.of();
  }

  private static Map<String, String> strings(Map<?, ?> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    return out;
  }
}
