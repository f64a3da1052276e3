package dev.leastprivilege.e2e;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * What a failing scenario prints about a namespace: pods, their container states, recent events and
 * logs.
 */
final class Diagnostics {
  private Diagnostics() {}

  static String describe(Cluster cluster, String namespace) {
    StringBuilder out = new StringBuilder();
    for (Pod pod : cluster.client.pods().inNamespace(namespace).list().getItems()) {
      out.append("pod ")
          .append(pod.getMetadata().getName())
          .append(": ")
          .append(pod.getStatus().getPhase())
          .append(' ')
          .append(pod.getStatus().getContainerStatuses())
          .append('\n');
      for (var container : pod.getSpec().getContainers()) {
        try {
          String log =
              cluster
                  .client
                  .pods()
                  .resource(pod)
                  .inContainer(container.getName())
                  .tailingLines(20)
                  .getLog();
          out.append("  ").append(container.getName()).append(":\n").append(log.indent(4));
        } catch (RuntimeException e) {
          out.append("    (no log: ").append(e.getMessage()).append(")\n");
        }
      }
    }
    var events = cluster.client.v1().events().inNamespace(namespace).list().getItems();
    events
        .subList(Math.max(0, events.size() - 15), events.size())
        .forEach(
            e ->
                out.append("event ")
                    .append(e.getInvolvedObject().getKind())
                    .append('/')
                    .append(e.getInvolvedObject().getName())
                    .append(' ')
                    .append(e.getReason())
                    .append(": ")
                    .append(e.getMessage())
                    .append('\n'));
    return out.toString();
  }
}
