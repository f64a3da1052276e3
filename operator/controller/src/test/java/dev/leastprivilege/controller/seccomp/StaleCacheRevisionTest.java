package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.seccomp.RenderedProfilePublisher.Publication;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import dev.leastprivilege.core.render.RenderedProfile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Red-team: the operator's ConfigMap cache lags its own writes (the publisher writes with the raw
 * client, so JOSDK's cache only learns of a write from the watch). When the cache's stale entry
 * happens to equal the desired content, {@link RenderedProfilePublisher#publish} skips the write
 * and returns the <em>cached</em> revision, which is older than what the API server holds. A node
 * past that old revision is then counted as having the profile, although what it has on disk is
 * the newer, different content (or nothing at all).
 *
 * <p>In the old design a node listed the hash it had, so the mismatch showed; with one revision
 * per node it does not.
 */
@EnableKubernetesMockClient(crud = true)
class StaleCacheRevisionTest {
  private static final ProfileRef WEB = new ProfileRef("shop", "web");
  static KubernetesClient client;

  private static RenderedProfile rendered(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return new RenderedProfile(WEB, bytes, ContentHash.of(bytes));
  }

  /** What the operator's informer holds: the ConfigMap without its data. */
  private static ConfigMap cached(ConfigMap written) {
    ConfigMap cm = new ConfigMap();
    cm.setMetadata(
        new ObjectMetaBuilder()
            .withName(written.getMetadata().getName())
            .withNamespace(written.getMetadata().getNamespace())
            .withResourceVersion(written.getMetadata().getResourceVersion())
            .withAnnotations(written.getMetadata().getAnnotations())
            .withLabels(written.getMetadata().getLabels())
            .build());
    return cm;
  }

  private ConfigMap onServer() {
    return client
        .configMaps()
        .inNamespace("lpo")
        .withName(RenderedProfileConfigMap.nameFor(WEB.namespace(), WEB.name()))
        .get();
  }

  private static NodeProfileStatus report(String node, long applied) {
    NodeProfileStatus n = new NodeProfileStatus();
    n.setMetadata(new ObjectMetaBuilder().withName(node).withResourceVersion("1").build());
    NodeProfileStatusStatus s = new NodeProfileStatusStatus();
    s.setAppliedRevision(Long.toString(applied));
    s.setFailed(List.of());
    n.setStatus(s);
    return n;
  }

  @Test
  void aSpecThatFlipsBackWithinTheCacheLagIsReportedInstalledWhileNodesHaveTheOtherContent() {
    RenderedProfilePublisher publisher = new RenderedProfilePublisher(client, "lpo");
    RenderedProfile v1 = rendered("{\"v\": 1}");
    RenderedProfile v2 = rendered("{\"v\": 2}");

    // Generation 1: published and seen by the cache.
    Publication p1 = publisher.publish(v1, Optional.empty());
    ConfigMap cacheAtV1 = cached(onServer());

    // Generation 2 (kubectl apply): written; the cache has not seen the write yet.
    Publication p2 = publisher.publish(v2, Optional.of(cacheAtV1));
    assertTrue(p2.revision() > p1.revision());

    // Generation 3 goes back to v1 (a rollback, two GitOps writers fighting) before the cache
    // caught up: the cache still says v1, so nothing is written and the old revision is returned.
    Publication p3 = publisher.publish(v1, Optional.of(cacheAtV1));

    // The API server, and so every node's watch, has v2.
    String hashOnServer = RenderedProfileConfigMap.contentHash(onServer()).orElseThrow();
    assertEquals(v2.contentHash(), hashOnServer);

    // A node that applied everything up to v2's write has v2 on its disk, not v1.
    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    var reports = index.reportsFor(WEB, p3, Stream.of(report("n1", p2.revision())));
    assertNotEquals(
        v1.contentHash(),
        hashOnServer,
        "precondition: the node's file differs from what the status will claim");
    assertTrue(
        reports.isEmpty(),
        "n1 has "
            + hashOnServer
            + " on disk but is counted as having "
            + p3.contentHash()
            + " (publication revision "
            + p3.revision()
            + ", server at "
            + p2.revision()
            + "): "
            + reports);
  }

  @Test
  void aProfileRecreatedWhileTheCacheStillShowsItsOldConfigMapIsInstalledWithNoConfigMapAtAll() {
    RenderedProfilePublisher publisher = new RenderedProfilePublisher(client, "lpo");
    RenderedProfile v1 = rendered("{\"v\": 1}");

    // First incarnation: published and cached.
    publisher.publish(v1, Optional.empty());
    ConfigMap cacheAtV1 = cached(onServer());

    // Deleted: tombstone, nodes confirm, ConfigMap deleted, finalizer gone. The cache (in a
    // relist after a watch error, say) has seen none of it.
    long tombstone = publisher.tombstone(WEB, Optional.of(cacheAtV1)).orElseThrow();
    publisher.unpublish(WEB);

    // Re-created with the same spec: the stale cache equals the desired ConfigMap, so nothing is
    // written, and the first incarnation's revision is returned.
    Publication p = publisher.publish(v1, Optional.of(cacheAtV1));

    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    // The node removed the file at the tombstone and is past it: it has no file.
    var reports = index.reportsFor(WEB, p, Stream.of(report("n1", tombstone + 1)));
    assertTrue(
        reports.isEmpty(),
        "no ConfigMap on the server ("
            + onServer()
            + "), no file on n1, yet n1 counts as installed: "
            + reports);
  }
}
