package dev.leastprivilege.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.agent.kube.ListWatch;
import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileApplierTest {
  private static final ProfileRef WEB = new ProfileRef("shop", "web");

  @TempDir Path tmp;

  /** Writes fail while this is set, as on a full disk. */
  private boolean diskFull;

  private final List<String> retries = new ArrayList<>();

  private ProfileApplier applier() {
    ProfileDirectory dir =
        new ProfileDirectory(
            tmp,
            step -> {
              if (diskFull && step.equals("written")) {
                throw new IOException("No space left on device");
              }
            });
    return new ProfileApplier(dir, () -> {}, (ref, name) -> retries.add(name));
  }

  private static ConfigMap cm(ProfileRef ref, String content, long revision) {
    byte[] json = content.getBytes(StandardCharsets.UTF_8);
    ConfigMap cm =
        RenderedProfileConfigMap.build(
            "lpo", ref.namespace(), ref.name(), json, ContentHash.of(json));
    cm.getMetadata().setResourceVersion(Long.toString(revision));
    return cm;
  }

  private static ConfigMap tombstone(ProfileRef ref, long revision) {
    ConfigMap cm = RenderedProfileConfigMap.tombstone("lpo", ref.namespace(), ref.name());
    cm.getMetadata().setResourceVersion(Long.toString(revision));
    return cm;
  }

  private String file(ProfileRef ref) throws IOException {
    Path p = tmp.resolve(ref.localhostProfile());
    return Files.exists(p) ? Files.readString(p) : null;
  }

  @Test
  void reportsTheRecordedRevisionWhenNothingFailed() throws IOException {
    ProfileApplier applier = applier();
    applier.apply(cm(WEB, "{\"v\": 1}", 7));
    assertEquals("{\"v\": 1}", file(WEB));
    NodeStatusReporter.Report r = applier.report("9");
    assertEquals("9", r.appliedRevision());
    assertEquals(1, r.profiles());
    assertEquals(List.of(), r.failed());
    assertEquals(0, r.failedCount());
  }

  @Test
  void aTombstoneRemovesTheFile() throws IOException {
    ProfileApplier applier = applier();
    applier.apply(cm(WEB, "{\"v\": 1}", 7));
    applier.apply(tombstone(WEB, 8));
    assertNull(file(WEB));
    assertEquals(0, applier.report("8").profiles());
  }

  @Test
  void listsTheOldestFailuresAndStopsItsRevisionBelowTheFirstItLeavesOut() {
    ProfileApplier applier = applier();
    diskFull = true;
    int max = NodeProfileStatusStatus.MAX_LISTED_FAILURES;
    for (int i = 0; i < max + 4; i++) {
      applier.apply(cm(new ProfileRef("shop", "p" + i), "{\"v\": " + i + "}", 100 + i));
    }
    NodeStatusReporter.Report r = applier.report("500");
    assertEquals(max, r.failed().size());
    assertEquals(max + 4, r.failedCount());
    assertEquals("p0", r.failed().get(0).getName(), "oldest first");
    assertEquals(
        Long.toString(100 + max - 1),
        r.appliedRevision(),
        "p"
            + max
            + " failed at revision "
            + (100 + max)
            + " and is not listed: the report must"
            + " not claim it");
    assertTrue(r.failed().get(0).getMessage().contains("No space left on device"));
  }

  @Test
  void aRetryNeverWritesAnOlderContentOverANewerOne() throws IOException {
    ProfileApplier applier = applier();
    diskFull = true;
    ConfigMap v1 = cm(WEB, "{\"v\": 1}", 10);
    applier.apply(v1);
    assertEquals(List.of(v1.getMetadata().getName()), retries);
    diskFull = false;
    ConfigMap v2 = cm(WEB, "{\"v\": 2}", 20);
    applier.apply(v2);
    // The retry of v1 comes late, and the API server still answered with v1 (a stale read).
    applier.retry(WEB, v1.getMetadata().getName(), () -> Optional.of(v2), () -> v1);
    assertEquals("{\"v\": 2}", file(WEB));
    assertEquals(List.of(), applier.report("20").failed());
  }

  @Test
  void aRetryWritesTheCurrentContentOnceTheDiskHasRoom() throws IOException {
    ProfileApplier applier = applier();
    diskFull = true;
    ConfigMap v1 = cm(WEB, "{\"v\": 1}", 10);
    applier.apply(v1);
    List<FailedProfile> failed = applier.report("10").failed();
    assertEquals(
        ContentHash.of("{\"v\": 1}".getBytes(StandardCharsets.UTF_8)),
        failed.get(0).getContentHash());
    diskFull = false;
    applier.retry(WEB, v1.getMetadata().getName(), () -> Optional.of(v1), () -> v1);
    assertEquals("{\"v\": 1}", file(WEB));
    assertEquals(0, applier.report("10").failedCount());
  }

  @Test
  void garbageCollectionKeepsTheOldFileOfAFailedUpdate() throws IOException {
    ProfileApplier applier = applier();
    applier.apply(cm(WEB, "{\"v\": 1}", 10));
    diskFull = true;
    applier.apply(cm(WEB, "{\"v\": 2}", 11));
    Files.writeString(
        Files.createDirectories(tmp.resolve("leastprivilege/gone")).resolve("old.json"), "{}");
    applier.collectGarbage(namespace -> Optional.of(Set.of()));
    assertEquals("{\"v\": 1}", file(WEB), "the node keeps the last good file");
    assertFalse(
        Files.exists(tmp.resolve("leastprivilege/gone/old.json")),
        "the file of a profile that no longer exists is removed");
  }

  @Test
  void anEmptyViewOfTheConfigMapsNeverRemovesTheFileOfAProfileThatStillExists() throws IOException {
    // A reinstall: the node has files from before, no ConfigMap is published yet, and the
    // SeccompProfile shop/web still exists (pods may use its file); shop/old does not.
    Path shop = Files.createDirectories(tmp.resolve("leastprivilege/shop"));
    Files.writeString(shop.resolve("web.json"), "{\"v\": 1}");
    Files.writeString(shop.resolve("old.json"), "{\"v\": 1}");
    ProfileRef longName = new ProfileRef("shop", "l".repeat(253));
    Files.writeString(tmp.resolve(longName.localhostProfile()), "{\"v\": 1}");
    ProfileApplier applier = applier();

    applier.collectGarbage(
        namespace ->
            Optional.of(
                namespace.equals("shop") ? Set.of(WEB.fileName(), longName.fileName()) : Set.of()));

    assertEquals("{\"v\": 1}", file(WEB), "kept until the operator publishes it again");
    assertTrue(Files.exists(tmp.resolve(longName.localhostProfile())), "kept, long name too");
    assertFalse(Files.exists(shop.resolve("old.json")), "its profile is gone: removed");
  }

  @Test
  void aConfigMapDeletedWithoutATombstoneLeavesTheFile() throws IOException {
    // Its namespace deleted by an uninstall while the agent still runs: pods may use the file.
    ProfileApplier applier = applier();
    PublishedProfiles store = new PublishedProfiles(applier);
    ConfigMap cm = cm(WEB, "{\"v\": 1}", 10);
    String key = ListWatch.key(cm);
    store.put(key, cm);
    store.remove(key);
    assertEquals("{\"v\": 1}", file(WEB), "kept");
    assertEquals(0, applier.installedCount(), "and forgotten");

    ConfigMap tomb = tombstone(WEB, 12);
    store.put(key, cm(WEB, "{\"v\": 1}", 11));
    store.put(key, tomb);
    assertNull(file(WEB), "a tombstone removes it");
  }

  /** The keys of one profile's ConfigMaps: under an earlier version's name, and under its own. */
  private record TwoNames(String earlier, String current) {}

  private static TwoNames publishedUnderTwoNames(PublishedProfiles store) {
    ConfigMap earlier = cm(WEB, "{\"v\": 1}", 10);
    earlier.getMetadata().setName("seccomp.shop.we-1a2b3c4d");
    ConfigMap current = cm(WEB, "{\"v\": 1}", 11);
    store.put(ListWatch.key(earlier), earlier);
    store.put(ListWatch.key(current), current);
    return new TwoNames(ListWatch.key(earlier), ListWatch.key(current));
  }

  @Test
  void anEarlierVersionsConfigMapGoingLeavesTheCurrentOnesFile() throws IOException {
    ProfileApplier applier = applier();
    PublishedProfiles store = new PublishedProfiles(applier);
    store.remove(publishedUnderTwoNames(store).earlier());
    assertEquals("{\"v\": 1}", file(WEB));
    assertEquals(1, applier.installedCount());
  }

  @Test
  void theCurrentConfigMapGoingWhileAnEarlierVersionsStillPublishesKeepsTheProfile()
      throws IOException {
    ProfileApplier applier = applier();
    PublishedProfiles store = new PublishedProfiles(applier);
    TwoNames keys = publishedUnderTwoNames(store);
    store.remove(keys.current());
    assertEquals("{\"v\": 1}", file(WEB));
    assertEquals(1, applier.installedCount(), "still published, under the earlier name");

    store.remove(keys.earlier());
    assertEquals(0, applier.installedCount(), "published nowhere: forgotten");
  }

  @Test
  void whenTheProfilesCannotBeReadEveryFileIsKept() throws IOException {
    Path shop = Files.createDirectories(tmp.resolve("leastprivilege/shop"));
    Files.writeString(shop.resolve("web.json"), "{\"v\": 1}");
    applier().collectGarbage(ProfileApplier.ExistingProfiles.UNKNOWN);
    assertEquals("{\"v\": 1}", file(WEB));
  }

  @Test
  void theCleanUpGoesPastAStrayFileAndRemovesTemporaries() throws IOException {
    Path shop = Files.createDirectories(tmp.resolve("leastprivilege/shop"));
    Files.writeString(shop.resolve("Stray.json"), "{}");
    Files.createDirectories(tmp.resolve("leastprivilege/Not_A_Namespace"));
    Path temp = Files.writeString(shop.resolve(".lpo-web.1234.tmp"), "{");
    Files.writeString(shop.resolve("old.json"), "{}");

    applier().collectGarbage(namespace -> Optional.of(Set.of()));

    assertFalse(Files.exists(temp), "temporary file removed");
    assertFalse(Files.exists(shop.resolve("old.json")), "the orphan after the stray one removed");
    assertTrue(Files.exists(shop.resolve("Stray.json")), "what it did not write is kept");
  }

  @Test
  void theLongestReportStaysUnder12KiB() {
    ProfileApplier applier = applier();
    diskFull = true;
    String ns = "n".repeat(63);
    for (int i = 0; i < 40; i++) {
      String name = ("p" + i + "-").repeat(100).substring(0, 253);
      applier.apply(cm(new ProfileRef(ns, name), "{\"v\": " + i + "}", 100 + i));
    }
    NodeStatusReporter.Report r = applier.report("500");
    dev.leastprivilege.api.v1alpha1.NodeProfileStatus nps =
        new dev.leastprivilege.api.v1alpha1.NodeProfileStatus();
    nps.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("n".repeat(253)).build());
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision(r.appliedRevision());
    status.setProfiles(r.profiles());
    status.setFailed(r.failed());
    status.setFailedCount(r.failedCount());
    status.setLastSyncTime("2026-11-29T21:00:00Z");
    nps.setStatus(status);
    int bytes =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
            .asJson(nps)
            .getBytes(StandardCharsets.UTF_8)
            .length;
    assertTrue(bytes < 12 * 1024, bytes + " bytes");
  }

  @Test
  void messagesAreCutOnACharacterBoundary() {
    String cut = ProfileApplier.cut("é".repeat(300));
    assertTrue(
        cut.getBytes(StandardCharsets.UTF_8).length <= NodeProfileStatusStatus.MAX_MESSAGE_BYTES);
    assertTrue(cut.endsWith("é..."), cut);
  }

  /**
   * A retry scheduled for a removal must not act on a newer failure: were it to remove the file and
   * clear the failure, the node would report a revision past the re-created ConfigMap with nothing
   * listed, installed with no file on disk. (Found by a red-team review: the retry used to read the
   * store before it took the lock.)
   */
  @Test
  void aRetryActingOnAStaleReadOfTheStoreNeverClearsANewerFailure() throws IOException {
    ProfileApplier applier = applier();
    ConfigMap v1 = cm(WEB, "{\"v\": 1}", 10);
    applier.apply(v1);
    // The ConfigMap goes and its removal is retried later; before the retry runs, the profile is
    // published again and the write fails.
    diskFull = true;
    ConfigMap v2 = cm(WEB, "{\"v\": 2}", 30);
    applier.apply(v2);
    assertEquals(1, applier.report("30").failedCount());
    // The retry runs: it reads the store under the lock, where v2 is now.
    applier.retry(WEB, v2.getMetadata().getName(), () -> Optional.of(v2), () -> v2);
    NodeStatusReporter.Report r = applier.report("30");
    boolean claimsInstalled = Long.parseLong(r.appliedRevision()) >= 30 && r.failed().isEmpty();
    assertFalse(
        claimsInstalled && !"{\"v\": 2}".equals(file(WEB)),
        "report says revision "
            + r.appliedRevision()
            + " with no failure (v2 installed), but the file is "
            + file(WEB));
  }
}
