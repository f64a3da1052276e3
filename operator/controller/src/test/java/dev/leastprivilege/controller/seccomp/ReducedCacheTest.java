package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ReducedStateItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** The base-change cache keeps only generation, but staleness checks need its resourceVersion too. */
class ReducedCacheTest {
  @Test
  void theReducedBaseCacheKeepsResourceVersionAndGeneration() {
    var store = new ReducedStateItemStore<>(ReducedStateItemStore.NAME_KEY_STATE, SeccompProfile.class,
        new KubernetesSerialization(), "metadata.generation");
    SeccompProfile p = new SeccompProfile();
    p.setMetadata(new ObjectMetaBuilder().withName("base").withNamespace("shop").withResourceVersion("42")
        .withGeneration(7L).build());
    store.put(store.getKey(p), p);
    SeccompProfile kept = store.get(store.getKey(p));
    assertEquals("42", kept.getMetadata().getResourceVersion());
    assertEquals(7L, kept.getMetadata().getGeneration());
  }
}
