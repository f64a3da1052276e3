package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The operator's ConfigMap cache lags its own writes (it hears of them only through the watch).
 * Were the publisher to trust a stale cached ConfigMap that happens to equal the desired content,
 * it would skip the write and return the cached revision, older than what the API server holds, and
 * a node past that revision would count as having a content it does not have (or nothing at all).
 * {@link RenderedProfilePublisher#current} puts the operator's own later writes before the cache.
 * (Found by a red-team review, against the in-process mock API server.)
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
  void aSpecThatFlipsBackWithinTheCacheLagIsPublishedAgainAndNotCountedFromTheCache() {
    RenderedProfilePublisher publisher = new RenderedProfilePublisher(client, "lpo");
    RenderedProfile v1 = rendered("{\"v\": 1}");
    RenderedProfile v2 = rendered("{\"v\": 2}");

    // Generation 1: published and seen by the cache.
    Publication p1 = publisher.publish(v1, Optional.empty());
    ConfigMap cacheAtV1 = cached(onServer());

    // Generation 2 (kubectl apply): written; the cache has not seen the write yet.
    Publication p2 = publisher.publish(v2, publisher.current(WEB, Optional.of(cacheAtV1)));
    assertTrue(p2.revision() > p1.revision());

    // Generation 3 goes back to v1 (a rollback, two GitOps writers fighting) before the cache
    // caught up: the cache still says v1.
    Publication p3 = publisher.publish(v1, publisher.current(WEB, Optional.of(cacheAtV1)));

    // The operator's own write of v2 is newer than its cache, so it writes v1 again.
    assertEquals(Optional.of(v1.contentHash()), RenderedProfileConfigMap.contentHash(onServer()));
    assertTrue(p3.revision() > p2.revision(), p3 + " after " + p2);

    // A node that applied everything up to v2's write has v2 on its disk, not v1.
    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    var reports = index.reportsFor(WEB, p3, Stream.of(report("n1", p2.revision())));
    assertTrue(reports.isEmpty(), "n1 has v2 on disk but is counted as having v1: " + reports);
  }

  @Test
  void aProfileRecreatedWhileTheCacheStillShowsItsOldConfigMapIsPublishedAgain() {
    RenderedProfilePublisher publisher = new RenderedProfilePublisher(client, "lpo");
    RenderedProfile v1 = rendered("{\"v\": 1}");

    // First incarnation: published and cached.
    publisher.publish(v1, Optional.empty());
    ConfigMap cacheAtV1 = cached(onServer());

    // Deleted: tombstone, nodes confirm, ConfigMap deleted, finalizer gone. The cache (in a
    // relist after a watch error, say) has seen none of it.
    long tombstone =
        publisher.tombstone(WEB, publisher.current(WEB, Optional.of(cacheAtV1))).orElseThrow();
    publisher.unpublish(WEB, publisher.current(WEB, Optional.of(cacheAtV1)));

    // Re-created with the same spec while the cache still shows the first incarnation's ConfigMap:
    // the operator knows it deleted it, so it publishes again.
    Publication p = publisher.publish(v1, publisher.current(WEB, Optional.of(cacheAtV1)));

    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    // The node removed the file at the tombstone: it has no file.
    assertTrue(onServer() != null, "the re-created profile is published again");
    assertTrue(p.revision() > tombstone, p + " after the tombstone at " + tombstone);
    var reports = index.reportsFor(WEB, p, Stream.of(report("n1", tombstone)));
    assertTrue(
        reports.isEmpty(),
        "no ConfigMap on the server ("
            + onServer()
            + "), no file on n1, yet n1 counts as installed: "
            + reports);
  }
}
