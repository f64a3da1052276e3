package dev.leastprivilege.controller;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * The agent's pods as the DaemonSet controller creates them, for API servers without one: a pod
 * labelled as the chart labels the agent, placed on its node. The operator installs profiles on the
 * nodes that have one.
 */
public final class AgentPods {
  private AgentPods() {}

  public static String name(String node) {
    return "lpo-agent-" + node;
  }

  /** The agent pod of {@code node} in the operator's namespace, created if it is not there. */
  public static void place(KubernetesClient client, String namespace, String node) {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name(node))
            .withNamespace(namespace)
            .withLabels(Map.of(ApiNames.AGENT_POD_LABEL, "true"))
            .endMetadata()
            .withNewSpec()
            .withNodeName(node)
            .withAutomountServiceAccountToken(false)
            .addNewContainer()
            .withName("agent")
            .withImage("lpo-agent")
            .endContainer()
            .endSpec()
            .build();
    client.resource(pod).serverSideApply();
  }

  /** Removes it, as the DaemonSet controller does when the node no longer matches. */
  public static void remove(KubernetesClient client, String namespace, String node) {
    client.pods().inNamespace(namespace).withName(name(node)).withGracePeriod(0).delete();
  }
}
