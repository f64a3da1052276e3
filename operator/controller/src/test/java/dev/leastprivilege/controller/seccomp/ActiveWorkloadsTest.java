package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ActiveWorkloadsTest {
  private static Pod pod(String podLevel, String containerLevel, String phase) {
    PodBuilder b =
        new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata();
    var spec = b.withNewSpec();
    if (podLevel != null) {
      spec.withNewSecurityContext()
          .withNewSeccompProfile()
          .withType("Localhost")
          .withLocalhostProfile(podLevel)
          .endSeccompProfile()
          .endSecurityContext();
    }
    spec.addNewContainer()
        .withName("a")
        .withNewSecurityContext()
        .withNewSeccompProfile()
        .withType(containerLevel == null ? "RuntimeDefault" : "Localhost")
        .withLocalhostProfile(containerLevel)
        .endSeccompProfile()
        .endSecurityContext()
        .endContainer();
    return spec.endSpec().withNewStatus().withPhase(phase).endStatus().build();
  }

  @Test
  void findsOurProfilesAtPodAndContainerLevel() {
    assertEquals(
        Set.of(new ProfileRef("shop", "base"), new ProfileRef("shop", "web")),
        ActiveWorkloads.profilesOf(
            pod("leastprivilege/shop/base.json", "leastprivilege/shop/web.json", "Running")));
  }

  @Test
  void ignoresOtherFilesRuntimeDefaultAndFinishedPods() {
    assertEquals(Set.of(), ActiveWorkloads.profilesOf(pod("other/x.json", null, "Running")));
    assertEquals(
        Set.of(), ActiveWorkloads.profilesOf(pod("leastprivilege/shop/a/b.json", null, "Pending")));
    assertEquals(
        Set.of(),
        ActiveWorkloads.profilesOf(pod("leastprivilege/shop/web.json", null, "Succeeded")));
  }
}
