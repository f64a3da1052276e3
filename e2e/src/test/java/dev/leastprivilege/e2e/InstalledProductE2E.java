package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product as the chart installed it: nothing restarted, no call was refused for lack of a
 * permission, and one replica leads. This class sees the product as the scenarios that ran before
 * it left it, whichever they were; the same check runs once more when the whole run ends ({@link
 * Product}'s installation closes), after every scenario.
 */
@ExtendWith(Product.class)
class InstalledProductE2E {
  private final Cluster cluster;

  InstalledProductE2E(Cluster installed) {
    this.cluster = installed;
  }

  @Test
  void operatorWebhookAndAgentsRunWithoutRestartsOrForbiddenCalls() {
    Product.assertNoRestartsOrForbiddenCalls(cluster);
  }

  @Test
  void oneReplicaHoldsTheLeaderLease() {
    Lease lease =
        cluster
            .client
            .leases()
            .inNamespace(Product.NAMESPACE)
            .withName("least-privilege-operator")
            .get();
    String holder = lease.getSpec().getHolderIdentity();
    assertTrue(holder.startsWith(Product.RELEASE + "-"), holder);
    assertTrue(
        cluster.client.pods().inNamespace(Product.NAMESPACE).withName(holder).get() != null,
        "the holder is a running operator pod: " + holder);
  }
}
