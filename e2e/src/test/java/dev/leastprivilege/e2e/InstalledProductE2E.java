package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The product as the chart installed it, after the other scenarios have worked it: nothing restarted, and no
 * call was refused for lack of a permission. The chart's RBAC is tested rule by rule in helm/; this is where a
 * missing rule shows, because the real API server refuses the call.
 */
@Order(5)
class InstalledProductE2E {
  private final Cluster cluster = Product.installed();

  @Test
  void operatorAndAgentsRunWithoutRestartsOrForbiddenCalls() {
    List<Pod> pods = cluster.client.pods().inNamespace(Product.NAMESPACE).list().getItems();
    assertFalse(pods.isEmpty());
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      pod.getStatus().getContainerStatuses().forEach(c -> assertEquals(0, c.getRestartCount(),
          () -> name + " restarted:\n" + Diagnostics.describe(cluster, Product.NAMESPACE)));
      String log = cluster.client.pods().resource(pod).getLog();
      assertFalse(log.contains("is forbidden"), () -> name + " was refused a call:\n" + log);
    }
  }

  @Test
  void oneReplicaHoldsTheLeaderLease() {
    Lease lease = cluster.client.leases().inNamespace(Product.NAMESPACE).withName("least-privilege-operator").get();
    String holder = lease.getSpec().getHolderIdentity();
    assertTrue(holder.startsWith(Product.RELEASE + "-"), holder);
    assertTrue(cluster.client.pods().inNamespace(Product.NAMESPACE).withName(holder).get() != null,
        "the holder is a running operator pod: " + holder);
  }
}
