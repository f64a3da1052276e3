package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator's reduced caches, as its event sources create them: each keeps what its readers
 * need.
 */
class ReducedCacheTest {
  private final KubernetesSerialization json = new KubernetesSerialization();

  /**
   * The base-change cache keeps only generation, but staleness checks need its resourceVersion too.
   */
  @Test
  void theReducedBaseCacheKeepsResourceVersionAndGeneration() {
    ItemStore<SeccompProfile> store = ProfileEventSources.baseStore(json);
    SeccompProfile p = new SeccompProfile();
    p.setMetadata(
        new ObjectMetaBuilder()
            .withName("base")
            .withNamespace("shop")
            .withResourceVersion("42")
            .withGeneration(7L)
            .build());
    store.put(store.getKey(p), p);
    SeccompProfile kept = store.get(store.getKey(p));
    assertEquals("42", kept.getMetadata().getResourceVersion());
    assertEquals(7L, kept.getMetadata().getGeneration());
  }

  /**
   * The reconciler reads which profile a ConfigMap renders, its hash and its revision; the agents
   * read the data.
   */
  @Test
  void theConfigMapCacheKeepsIdentityHashAndRevisionButNotTheData() {
    PublishedRevisions revisions = new PublishedRevisions();
    ItemStore<ConfigMap> store = ProfileEventSources.configMapStore(json, revisions);
    byte[] file = "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n".getBytes(StandardCharsets.UTF_8);
    ConfigMap cm =
        RenderedProfileConfigMap.build("lpo-system", "shop", "web", file, ContentHash.of(file));
    cm.getMetadata().setResourceVersion("9");
    store.put(store.getKey(cm), cm);
    ConfigMap kept = store.get(store.getKey(cm));
    assertEquals(
        Optional.of(new RenderedProfileConfigMap.Identity("shop", "web")),
        RenderedProfileConfigMap.identity(kept));
    assertEquals(Optional.of(ContentHash.of(file)), RenderedProfileConfigMap.contentHash(kept));
    assertEquals("9", kept.getMetadata().getResourceVersion());
    assertEquals(Optional.empty(), RenderedProfileConfigMap.read(kept), "the data is not kept");
    assertEquals(Set.of(new ProfileRef("shop", "web")), revisions.between(8, 9));

    ConfigMap tombstone = RenderedProfileConfigMap.tombstone("lpo-system", "shop", "web");
    tombstone.getMetadata().setResourceVersion("12");
    store.put(store.getKey(tombstone), tombstone);
    assertEquals(Set.of(), revisions.between(0, 11), "the old revision is forgotten");
    assertEquals(Set.of(new ProfileRef("shop", "web")), revisions.between(11, 12));
    store.remove(store.getKey(tombstone));
    assertEquals(Set.of(), revisions.between(0, 100));
  }

  /** Only a node's coming and going matters to a profile, not its labels or status. */
  @Test
  void theNodeCacheKeepsNamesOnly() {
    ItemStore<Node> store = ProfileEventSources.nodeStore(json);
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName("n1")
            .withLabels(Map.of("zone", "a"))
            .endMetadata()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    store.put(store.getKey(node), node);
    Node kept = store.get("n1");
    assertEquals("n1", kept.getMetadata().getName());
    assertEquals(Map.of(), kept.getMetadata().getLabels());
    assertNull(kept.getStatus());
  }
}
