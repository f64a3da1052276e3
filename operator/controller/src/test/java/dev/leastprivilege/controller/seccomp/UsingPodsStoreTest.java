package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operator's pod cache, as its event source creates it, keeps exactly the pods whose spec uses
 * one of our files, label or not.
 */
class UsingPodsStoreTest {
  private final ItemStore<Pod> store = ProfileEventSources.podStore(new KubernetesSerialization());

  @Test
  void keepsOnlyPodsWhoseSpecUsesOurFilesWhateverTheirLabels() {
    put(pod("plain", null, false));
    put(pod("other-file", "custom/audit.json", false));
    put(pod("unlabelled", "leastprivilege/shop/p.json", false));
    assertEquals(Set.of("shop/unlabelled"), Set.copyOf(store.keySet().toList()));
    assertEquals(
        Set.of(new dev.leastprivilege.core.ProfileRef("shop", "p")),
        ActiveWorkloads.profilesOf(store.get("shop/unlabelled")));
  }

  @Test
  void anEphemeralContainerCanStartUsingAProfileAndAFinishedPodUsesNone() {
    put(pod("debugged", null, false));
    assertEquals(0, store.size());
    put(pod("debugged", "leastprivilege/shop/p.json", true));
    assertEquals(1, store.size());
    Pod done = pod("debugged", "leastprivilege/shop/p.json", true);
    done.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Succeeded").build());
    put(done);
    assertNull(store.get("shop/debugged"));
  }

  private void put(Pod pod) {
    store.put(store.getKey(pod), pod);
  }

  private static Pod pod(String name, String localhostProfile, boolean ephemeral) {
    PodBuilder b =
        new PodBuilder().withNewMetadata().withName(name).withNamespace("shop").endMetadata();
    var spec =
        b.withNewSpec().addNewContainer().withName("app").withImage("busybox").endContainer();
    if (localhostProfile != null) {
      var sc =
          new io.fabric8.kubernetes.api.model.SecurityContextBuilder()
              .withNewSeccompProfile()
              .withType("Localhost")
              .withLocalhostProfile(localhostProfile)
              .endSeccompProfile()
              .build();
      if (ephemeral) {
        spec.addNewEphemeralContainer()
            .withName("debugger")
            .withImage("busybox")
            .withSecurityContext(sc)
            .endEphemeralContainer();
      } else {
        spec.editFirstContainer().withSecurityContext(sc).endContainer();
      }
    }
    return spec.endSpec().build();
  }
}
