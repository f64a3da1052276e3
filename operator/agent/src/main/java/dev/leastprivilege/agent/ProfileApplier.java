package dev.leastprivilege.agent;

import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies each change of a rendered-profile ConfigMap to this node's files, and keeps what the node
 * has: which profiles have their file, and the failures. It never keeps file contents.
 *
 * <p>It is called by the watch's store as each change arrives, on the watch's thread and before the
 * watch records the change's revision: that order is what lets the agent report "every change up to
 * revision r is applied" (see {@link #report}). Every method is synchronized, so the store, the
 * retries and the start-up clean-up never interleave on one file.
 */
final class ProfileApplier {
  private static final Logger LOG = LoggerFactory.getLogger(ProfileApplier.class);

  /** A profile the node could not install (contentHash set) or remove (contentHash null). */
  private record Failure(String contentHash, String message, long revision) {}

  private final ProfileDirectory directory;
  private final Runnable changed;
  private final BiConsumer<ProfileRef, String> retryLater;

  /** The profiles whose file is written (their hashes are the store's, not kept twice). */
  private final Set<ProfileRef> installed = new HashSet<>();

  private final Map<ProfileRef, Failure> failures = new HashMap<>();

  /**
   * @param changed called after every change of what the node has (asks for a report)
   * @param retryLater called with a profile and its ConfigMap's name when a change failed, to try
   *     it again later
   */
  ProfileApplier(
      ProfileDirectory directory, Runnable changed, BiConsumer<ProfileRef, String> retryLater) {
    this.directory = directory;
    this.changed = changed;
    this.retryLater = retryLater;
  }

  /** Makes the node's file match one ConfigMap: its content, or no file for a tombstone. */
  synchronized void apply(ConfigMap cm) {
    Optional<RenderedProfileConfigMap.Identity> id = RenderedProfileConfigMap.identity(cm);
    if (id.isEmpty()) {
      LOG.warn(
          "ignoring ConfigMap {}: it has the rendered-profile label but not the profile annotation"
              + " the operator writes",
          cm.getMetadata().getName());
      return;
    }
    ProfileRef ref = new ProfileRef(id.get().namespace(), id.get().name());
    long revision = RenderedProfileConfigMap.revision(cm).orElse(0);
    if (RenderedProfileConfigMap.isTombstone(cm)) {
      remove(ref, cm.getMetadata().getName(), revision);
      return;
    }
    Optional<RenderedProfileConfigMap.Content> content = RenderedProfileConfigMap.read(cm);
    if (content.isEmpty()) {
      fail(ref, null, revision, "the operator's ConfigMap has no content hash or data");
      return;
    }
    RenderedProfileConfigMap.Content c = content.get();
    String actual = ContentHash.of(c.json());
    if (!actual.equals(c.contentHash())) {
      fail(
          ref,
          c.contentHash(),
          revision,
          "content does not match its hash (" + actual + "); the old file is kept");
      return;
    }
    try {
      if (directory.write(ref, c.json())) {
        LOG.info("installed {} ({})", ref.localhostProfile(), c.contentHash());
      }
      installed.add(ref);
      failures.remove(ref);
      changed.run();
    } catch (IOException | RuntimeException e) {
      fail(
          ref,
          c.contentHash(),
          revision,
          "could not write "
              + ref.localhostProfile()
              + ": "
              + describe(e)
              + "; the old file is kept");
      retryLater.accept(ref, cm.getMetadata().getName());
    }
  }

  /**
   * Forgets a profile whose ConfigMap was deleted without a tombstone, and keeps its file: see
   * {@link PublishedProfiles#remove}.
   */
  synchronized void forget(ProfileRef ref) {
    boolean had = installed.remove(ref);
    failures.remove(ref);
    LOG.warn(
        "the ConfigMap of {} was deleted without a tombstone: {} is kept{} until the operator"
            + " publishes the profile again, or the clean-up at start-up finds the profile gone",
        ref,
        ref.localhostProfile(),
        had ? "" : " if there");
    changed.run();
  }

  /** Removes a profile's file (its ConfigMap became a tombstone). */
  synchronized void remove(ProfileRef ref, String configMapName, long revision) {
    try {
      if (directory.remove(ref)) {
        LOG.info("removed {}", ref.localhostProfile());
      }
      installed.remove(ref);
      failures.remove(ref);
      changed.run();
    } catch (IOException | RuntimeException e) {
      fail(ref, null, revision, "could not remove " + ref.localhostProfile() + ": " + describe(e));
      retryLater.accept(ref, configMapName);
    }
  }

  /**
   * Tries a failed change again, if it still failed and is still the current one. What the store
   * holds is read under this object's lock, and the store records a change before it applies it, so
   * a retry never writes an older content over a newer one, nor mistakes a newer failure for the
   * one it was scheduled for. The ConfigMap is read from the API server outside the lock, so that a
   * slow answer never holds up the watch.
   *
   * @param ref the profile
   * @param configMapName its ConfigMap
   * @param current what the store holds for it now, empty when the ConfigMap is gone
   * @param fetch reads the ConfigMap, content included, from the API server
   */
  void retry(
      ProfileRef ref,
      String configMapName,
      Supplier<Optional<ConfigMap>> current,
      Supplier<ConfigMap> fetch) {
    Failure failure;
    String wanted;
    synchronized (this) {
      failure = failures.get(ref);
      if (failure == null) {
        return;
      }
      Optional<String> published = publishedHash(current.get());
      if (failure.contentHash() == null) {
        // A removal failed: try it again while the store still says removed. Otherwise newer
        // content has arrived, and the store applies it.
        if (published.isEmpty()) {
          remove(ref, configMapName, failure.revision());
        }
        return;
      }
      if (published.isEmpty() || !published.get().equals(failure.contentHash())) {
        return; // removed or replaced meanwhile: the store applies that
      }
      wanted = published.get();
    }
    ConfigMap fetched = fetch.get();
    synchronized (this) {
      if (failures.get(ref) != failure
          || !publishedHash(current.get()).equals(Optional.of(wanted))) {
        return;
      }
      if (fetched != null
          && RenderedProfileConfigMap.contentHash(fetched).equals(Optional.of(wanted))) {
        apply(fetched);
      } else {
        retryLater.accept(ref, configMapName);
      }
    }
  }

  /** The content hash a stored ConfigMap asks for; empty when it is gone or a tombstone. */
  private static Optional<String> publishedHash(Optional<ConfigMap> cm) {
    return cm.filter(c -> !RenderedProfileConfigMap.isTombstone(c))
        .flatMap(RenderedProfileConfigMap::contentHash);
  }

  /**
   * Which file names the SeccompProfiles that exist now in a namespace have; empty when that cannot
   * be known (the API cannot be read, the CRD is gone).
   */
  interface ExistingProfiles {
    ExistingProfiles UNKNOWN = namespace -> Optional.empty();

    Optional<Set<String>> fileNames(String namespace);
  }

  /**
   * The start-up clean-up. It removes the temporary files a crash left, skips (and logs) whatever
   * it did not write, and goes on past every one of them. A file that no ConfigMap names is an
   * orphan; it is removed only when its SeccompProfile no longer exists. An empty or partial view
   * of the ConfigMaps (the operator reinstalled and not yet published again, its namespace
   * re-created) therefore never removes the file of a profile that still exists, which pods may
   * use; that file is kept until the operator publishes the profile again, which overwrites it, or
   * a tombstone removes it. When the profiles cannot be read, every orphan is kept. A file whose
   * update failed is kept too: the node keeps the old version.
   *
   * <p>The profiles are read outside this object's lock, so the watch is not held up; a file the
   * watch installs meanwhile is kept.
   */
  void collectGarbage(ExistingProfiles existing) {
    List<ProfileDirectory.ProfileFile> orphans = new ArrayList<>();
    synchronized (this) {
      ProfileDirectory.Scan scan;
      try {
        scan = directory.scan();
      } catch (IOException | RuntimeException e) {
        LOG.error("could not look through {}: {}", directory.root(), describe(e));
        return;
      }
      scan.skipped().forEach(s -> LOG.warn("clean-up skips {}", s));
      if (scan.removedTemporaries() > 0) {
        LOG.info("removed {} temporary files an interrupted write left", scan.removedTemporaries());
      }
      Set<ProfileDirectory.ProfileFile> keep = inUse();
      scan.files().stream().filter(f -> !keep.contains(f)).forEach(orphans::add);
    }
    Map<String, Optional<Set<String>>> existingByNamespace = new HashMap<>();
    for (ProfileDirectory.ProfileFile f : orphans) {
      existingByNamespace.computeIfAbsent(f.namespace(), existing::fileNames);
    }
    synchronized (this) {
      Set<ProfileDirectory.ProfileFile> keep = inUse();
      for (ProfileDirectory.ProfileFile orphan : orphans) {
        Optional<Set<String>> names = existingByNamespace.get(orphan.namespace());
        if (keep.contains(orphan)) {
          continue;
        } else if (names.isEmpty()) {
          LOG.warn(
              "kept {}: no ConfigMap names it, and the SeccompProfiles of {} could not be read",
              orphan.localhostProfile(),
              orphan.namespace());
        } else if (names.get().contains(orphan.fileName())) {
          LOG.info(
              "kept {}: its SeccompProfile exists; no ConfigMap names it until the operator"
                  + " publishes it again",
              orphan.localhostProfile());
        } else {
          try {
            if (directory.remove(orphan)) {
              LOG.info("removed {}: its SeccompProfile is gone", orphan.localhostProfile());
            }
          } catch (IOException | RuntimeException e) {
            LOG.warn("could not remove {}: {}", orphan.localhostProfile(), describe(e));
          }
        }
      }
    }
  }

  /** The files of what is installed, and the old files of failed updates. */
  private Set<ProfileDirectory.ProfileFile> inUse() {
    Set<ProfileDirectory.ProfileFile> keep = new HashSet<>();
    installed.forEach(ref -> keep.add(ProfileDirectory.ProfileFile.of(ref)));
    failures.forEach(
        (ref, f) -> {
          if (f.contentHash() != null) {
            keep.add(ProfileDirectory.ProfileFile.of(ref));
          }
        });
    return keep;
  }

  synchronized int installedCount() {
    return installed.size();
  }

  /**
   * What to report, given the revision the watch had recorded <em>before</em> this call: every
   * change up to it was applied before it was recorded, so it is applied or among the failures read
   * here. Failures are listed oldest first, at most {@link
   * NodeProfileStatusStatus#MAX_LISTED_FAILURES}; when some are left out, the reported revision
   * stops just below the first one left out, so that none is hidden below it.
   */
  synchronized NodeStatusReporter.Report report(String recordedRevision) {
    OptionalLong recorded = RenderedProfileConfigMap.parseRevision(recordedRevision);
    long applied = recorded.orElse(0);
    List<Map.Entry<ProfileRef, Failure>> sorted =
        failures.entrySet().stream()
            .sorted(
                Comparator.comparingLong(
                        (Map.Entry<ProfileRef, Failure> e) -> e.getValue().revision())
                    .thenComparing(e -> e.getKey().toString()))
            .toList();
    int max = NodeProfileStatusStatus.MAX_LISTED_FAILURES;
    if (sorted.size() > max) {
      applied = Math.min(applied, sorted.get(max).getValue().revision() - 1);
    }
    List<FailedProfile> listed =
        sorted.stream()
            .limit(max)
            .map(
                e ->
                    new FailedProfile(
                        e.getKey().namespace(),
                        e.getKey().name(),
                        e.getValue().contentHash(),
                        cut(e.getValue().message())))
            .toList();
    return new NodeStatusReporter.Report(
        Long.toString(Math.max(applied, 0)), installed.size(), listed, sorted.size());
  }

  private void fail(ProfileRef ref, String hash, long revision, String message) {
    LOG.error("{}: {}", ref, message);
    failures.put(ref, new Failure(hash, message, revision));
    changed.run();
  }

  /** Cuts a message to the report's limit, counted in UTF-8 bytes, on a character boundary. */
  static String cut(String message) {
    int max = NodeProfileStatusStatus.MAX_MESSAGE_BYTES;
    if (message.getBytes(StandardCharsets.UTF_8).length <= max) {
      return message;
    }
    String ellipsis = "...";
    int budget = max - ellipsis.length();
    StringBuilder out = new StringBuilder();
    int used = 0;
    for (int i = 0; i < message.length(); ) {
      int cp = message.codePointAt(i);
      int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (used + len > budget) {
        break;
      }
      out.appendCodePoint(cp);
      used += len;
      i += Character.charCount(cp);
    }
    return out.append(ellipsis).toString();
  }

  /**
   * An IOException's message names the file but not always the cause ("No space left on device"):
   * keep both.
   */
  private static String describe(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return e.getClass().getSimpleName().equals("IOException")
        ? m
        : e.getClass().getSimpleName() + ": " + m;
  }
}
