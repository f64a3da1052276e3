package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.InstalledProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.status.NodeReport;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NodeReportIndexTest {
  private static NodeProfileStatus nps(
      String node, String rv, List<InstalledProfile> ok, List<InstalledProfile> bad) {
    NodeProfileStatus n = new NodeProfileStatus();
    n.setMetadata(new ObjectMetaBuilder().withName(node).withResourceVersion(rv).build());
    NodeProfileStatusStatus s = new NodeProfileStatusStatus();
    s.setInstalled(ok);
    s.setFailed(bad);
    n.setStatus(s);
    return n;
  }

  @Test
  void looksUpOneProfileAcrossNodesAndFollowsNewVersions() {
    NodeReportIndex index = new NodeReportIndex();
    ProfileRef web = new ProfileRef("shop", "web");
    var n1 =
        nps("n1", "1", List.of(new InstalledProfile("shop", "web", "sha256:a", null)), List.of());
    var n2 =
        nps(
            "n2",
            "1",
            List.of(),
            List.of(new InstalledProfile("shop", "web", "sha256:a", "disk full")));
    assertEquals(
        Map.of(
            "n1",
            NodeReport.installed("n1", "sha256:a"),
            "n2",
            NodeReport.failed("n2", "sha256:a", "disk full")),
        index.reportsFor(web, Stream.of(n1, n2)));
    assertTrue(index.installedAnywhere(web, Stream.of(n1, n2)));

    var n1Later = nps("n1", "2", List.of(), List.of());
    assertFalse(
        index.installedAnywhere(web, Stream.of(n1Later, n2)), "a new resourceVersion is re-read");
  }
}
