package dev.leastprivilege.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A profile whose name has the 253 characters the API allows: its file name would not fit a Linux
 * file name as {@code <name>.json}, so it gets the shortened one, and a real pod runs under it.
 */
@ExtendWith(Product.class)
class LongProfileNameE2E {
  private static final String NS = "long-names";
  private static final String NAME = "deny-chmod-" + "n".repeat(241) + "z";

  private static Cluster cluster;
  private static TestPods pods;

  @BeforeAll
  static void aProfileWithTheLongestName(Cluster installed) {
    cluster = installed;
    pods = new TestPods(cluster.client);
    cluster.namespace(NS, Map.of());
    cluster.apply(
        cluster.load(
            SeccompProfile.class,
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          mode: Enforce
          podSelector: {}
          defaultAction: SCMP_ACT_ALLOW
          syscalls:
            - names: [chmod, fchmod, fchmodat]
              action: SCMP_ACT_ERRNO
              errnoRet: 1
        """
                .formatted(NAME, NS)));
    cluster.awaitInstalled(NS, NAME);
  }

  @Test
  void aPodIsPatchedWithItsFileAndTheRuntimeLoadsIt() {
    assertEquals(253, NAME.length());
    String path = new ProfileRef(NS, NAME).localhostProfile();
    assertEquals(
        path,
        cluster
            .client
            .resources(SeccompProfile.class)
            .inNamespace(NS)
            .withName(NAME)
            .get()
            .getStatus()
            .getLocalhostProfile());
    assertNotNull(new NodeFiles(cluster).read(path), "the node has " + path);

    Pod stored =
        pods.create(
            TestPods.pod(
                    NS, "chmod", Map.of(), null, "sh", "-c", "touch /tmp/f && chmod 600 /tmp/f")
                .build());
    SecurityContext sc = stored.getSpec().getContainers().get(0).getSecurityContext();
    assertEquals("Localhost", sc.getSeccompProfile().getType());
    assertEquals(path, sc.getSeccompProfile().getLocalhostProfile());

    TestPods.Outcome confined = pods.awaitOutcome(stored);
    assertEquals(1, confined.exitCode(), confined::toString);
    assertTrue(confined.logs().contains("Operation not permitted"), confined::toString);
  }
}
