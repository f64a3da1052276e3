package dev.leastprivilege.controller.workloads;

/**
 * The workload that owns a pod: a Deployment, StatefulSet or DaemonSet we can restart, or something
 * else.
 */
public record Owner(String kind, String namespace, String name) {
  public boolean restartable() {
    return kind.equals("Deployment") || kind.equals("StatefulSet") || kind.equals("DaemonSet");
  }

  @Override
  public String toString() {
    return kind + " " + name;
  }
}
