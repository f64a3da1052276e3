package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * How kubectl debug's request on Kubernetes 1.20 and 1.21 is read: labels and version from the API
 * server.
 */
class EphemeralUpdatesTest {
  private static final JsonNode STORED = json("{'name':'web-0','uid':'u1','labels':{'app':'web'}}");
  private final AtomicInteger reads = new AtomicInteger();

  @Test
  void theStoredPodsLabelsDecideAndTheVersionSaysWhetherASecurityContextMayBePatched()
      throws Exception {
    EphemeralUpdates updates =
        new EphemeralUpdates(cluster(Optional.of(STORED), OptionalInt.of(20)));
    EphemeralUpdates.Read read = updates.read(request("u1"), true);
    assertNull(read.refusal());
    assertEquals(Map.of("app", "web"), read.pod().labels());
    assertEquals(List.of("debugger"), read.pod().containers().stream().map(c -> c.name()).toList());
    assertFalse(
        read.pod().securityContextsPatchable(),
        "1.20 refuses a securityContext on an ephemeral container");
    assertTrue(
        new EphemeralUpdates(cluster(Optional.of(STORED), OptionalInt.of(21)))
            .read(request("u1"), true)
            .pod()
            .securityContextsPatchable());
  }

  @Test
  void whatCannotBeReadRefusesAndANamespaceWithoutPoliciesIsNotReadAtAll() throws Exception {
    assertTrue(
        new EphemeralUpdates(cluster(Optional.empty(), OptionalInt.of(20)))
            .read(request("u1"), true)
            .refusal()
            .startsWith(
                "cannot read pod shop/web-0 to tell which SeccompProfiles and CapabilityPolicies"));
    assertTrue(
        new EphemeralUpdates(cluster(Optional.of(STORED), OptionalInt.of(20)))
            .read(request("other-uid"), true)
            .refusal()
            .startsWith("cannot read pod shop/web-0"),
        "a pod re-created under the same name is another pod");
    assertTrue(
        new EphemeralUpdates(cluster(Optional.of(STORED), OptionalInt.empty()))
            .read(request("u1"), true)
            .refusal()
            .startsWith("cannot read the API server's version"));
    reads.set(0);
    EphemeralUpdates.Read unread =
        new EphemeralUpdates(cluster(Optional.empty(), OptionalInt.empty()))
            .read(request("u1"), false);
    assertNull(unread.refusal());
    assertEquals(0, reads.get(), "nothing selects pods there, so nothing is read");
  }

  private ClusterReads cluster(Optional<JsonNode> pod, OptionalInt minor) {
    return new ClusterReads() {
      public Optional<JsonNode> podMetadata(String namespace, String name) {
        reads.incrementAndGet();
        return pod.filter(p -> namespace.equals("shop") && name.equals(p.path("name").asText()));
      }

      public OptionalInt minorVersion() {
        reads.incrementAndGet();
        return minor;
      }
    };
  }

  /**
   * The AdmissionReview kubectl debug causes on 1.20: an EphemeralContainers body without labels.
   */
  private static AdmissionReviews.Request request(String uid) throws Exception {
    String review =
        ("{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'r1',"
                + "'kind':{'group':'','version':'v1','kind':'EphemeralContainers'},'resource':{'group':'','version':'v1',"
                + "'resource':'pods'},'subResource':'ephemeralcontainers','operation':'UPDATE','namespace':'shop',"
                + "'object':{'kind':'EphemeralContainers','metadata':{'name':'web-0','namespace':'shop','uid':'"
                + uid
                + "'},"
                + "'ephemeralContainers':[{'name':'debugger','image':'busybox'}]},"
                + "'oldObject':{'kind':'EphemeralContainers','metadata':{'name':'web-0','namespace':'shop','uid':'"
                + uid
                + "'},"
                + "'ephemeralContainers':[]}}}")
            .replace('\'', '"');
    return AdmissionReviews.read(new ByteArrayInputStream(review.getBytes(StandardCharsets.UTF_8)));
  }

  private static JsonNode json(String singleQuoted) {
    try {
      return AdmissionReviews.JSON.readTree(singleQuoted.replace('\'', '"'));
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
