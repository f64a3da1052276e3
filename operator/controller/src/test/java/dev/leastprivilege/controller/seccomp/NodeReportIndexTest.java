package dev.leastprivilege.controller.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.seccomp.RenderedProfilePublisher.Publication;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.status.NodeReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NodeReportIndexTest {
  private static final ProfileRef WEB = new ProfileRef("shop", "web");
  private static final ProfileRef API = new ProfileRef("shop", "api");

  private static NodeProfileStatus nps(
      String node, String rv, String applied, List<FailedProfile> failed) {
    NodeProfileStatus n = new NodeProfileStatus();
    n.setMetadata(new ObjectMetaBuilder().withName(node).withResourceVersion(rv).build());
    NodeProfileStatusStatus s = new NodeProfileStatusStatus();
    s.setAppliedRevision(applied);
    s.setFailed(failed);
    n.setStatus(s);
    return n;
  }

  private static void publish(
      PublishedRevisions revisions, ProfileRef ref, String hash, String rv) {
    var store = revisions.store(new KubernetesSerialization());
    byte[] json = "{}".getBytes(StandardCharsets.UTF_8);
    ConfigMap cm = RenderedProfileConfigMap.build("lpo", ref.namespace(), ref.name(), json, hash);
    cm.getMetadata().setResourceVersion(rv);
    store.put(store.getKey(cm), cm);
  }

  @Test
  void aNodeHasAPublishOnceItsRevisionIsReachedUnlessItListsTheFailure() {
    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    Publication web = new Publication("sha256:a", 10);
    var behind = nps("n1", "1", "9", List.of());
    var there = nps("n2", "1", "10", List.of());
    var failed =
        nps("n3", "1", "12", List.of(new FailedProfile("shop", "web", "sha256:a", "disk full")));
    var failedOnOlder =
        nps("n4", "1", "12", List.of(new FailedProfile("shop", "web", "sha256:old", "disk full")));
    assertEquals(
        Map.of(
            "n2",
            NodeReport.installed("n2", "sha256:a"),
            "n3",
            NodeReport.failed("n3", "sha256:a", "disk full")),
        index.reportsFor(WEB, web, Stream.of(behind, there, failed, failedOnOlder)),
        "n1 is not there yet; n4 lists a failure for the profile, so it is not counted installed");
  }

  @Test
  void aReportInTheEarlierShapeCountsAsNothingApplied() {
    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    NodeProfileStatus old = nps("n1", "1", null, List.of());
    assertEquals(Map.of(), index.reportsFor(WEB, new Publication("sha256:a", 1), Stream.of(old)));
  }

  @Test
  void removalIsConfirmedByReachingTheTombstoneAmongExistingNodes() {
    NodeReportIndex index = new NodeReportIndex(new PublishedRevisions());
    var done = nps("n1", "1", "20", List.of());
    var behind = nps("n2", "1", "19", List.of());
    var stuck = nps("n3", "1", "25", List.of(new FailedProfile("shop", "web", null, "EBUSY")));
    var gone = nps("old-node", "1", "1", List.of());
    assertEquals(
        Set.of("n2", "n3"),
        index.notConfirmingRemoval(
            WEB, 20, Stream.of(done, behind, stuck, gone), Set.of("n1", "n2", "n3")),
        "a deleted node's report does not hold the deletion up");
  }

  @Test
  void aNewReportWakesOnlyWhatItMoved() {
    PublishedRevisions revisions = new PublishedRevisions();
    publish(revisions, WEB, "sha256:a", "10");
    publish(revisions, API, "sha256:b", "20");
    NodeReportIndex index = new NodeReportIndex(revisions);
    assertEquals(Set.of(WEB), index.changedBy(nps("n1", "1", "15", List.of())));
    assertEquals(Set.of(), index.changedBy(nps("n1", "2", "15", List.of())), "nothing moved");
    assertEquals(
        Set.of(API),
        index.changedBy(nps("n1", "3", "25", List.of())),
        "api's publish is now reached");
    assertEquals(
        Set.of(WEB),
        index.changedBy(
            nps("n1", "4", "25", List.of(new FailedProfile("shop", "web", "sha256:a", "EIO")))),
        "a failure appeared");
    assertEquals(Set.of(WEB), index.changedBy(nps("n1", "5", "25", List.of())), "and went");
  }

  @Test
  void aDeletedReportWakesWhatItHadAndIsForgotten() {
    PublishedRevisions revisions = new PublishedRevisions();
    publish(revisions, WEB, "sha256:a", "10");
    publish(revisions, API, "sha256:b", "20");
    NodeReportIndex index = new NodeReportIndex(revisions);
    index.changedBy(
        nps("n1", "1", "15", List.of(new FailedProfile("shop", "api", "sha256:b", "EIO"))));
    assertEquals(
        Set.of(WEB, API),
        index.removed("n1"),
        "web was installed there, api had failed: neither is any more");
    assertEquals(Set.of(), index.removed("n1"), "forgotten");
    assertEquals(
        Set.of(WEB),
        index.changedBy(nps("n1", "7", "15", List.of())),
        "a fresh report of that name starts from nothing");
  }
}
