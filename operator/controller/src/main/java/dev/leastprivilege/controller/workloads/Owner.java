package dev.leastprivilege.controller.workloads;

import dev.leastprivilege.core.workload.RestartRule;

/**
 * The workload that owns a pod: a Deployment, StatefulSet or DaemonSet we can restart, or something
 * else.
 */
public record Owner(String kind, String namespace, String name) {
  public boolean restartable() {
    return RestartRule.RESTARTABLE_KINDS.contains(kind);
  }

  @Override
  public String toString() {
    return kind + " " + name;
  }
}
