package dev.leastprivilege.recorder;

import dev.leastprivilege.core.record.ContainerIds;
import dev.leastprivilege.core.record.ProcessStart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Names the container of a process: {@code <proc>/<pid>/cgroup} to a container ID. Answers are
 * cached by PID and the process's start time ({@code <proc>/<pid>/stat} field 22), so a PID the
 * kernel gave to a new process is looked up again, and a record made before that process started is
 * not given to it. Used from the recorder's one worker thread.
 */
final class ProcessResolver {
  /** Enough for every process a busy node runs at once; the least recently used go first. */
  static final int CACHE_SIZE = 8192;

  /** What a PID turned out to be. */
  sealed interface Answer {}

  /** A process of the container with this ID. */
  record InContainer(String containerId) implements Answer {}

  /** A process of the host or of something that is not a container: its records are not ours. */
  record NotAContainer() implements Answer {}

  /** The process is gone (or its PID now belongs to a later process): the record has no owner. */
  record Gone() implements Answer {}

  /**
   * A process as read while it ran, and when it was last seen running (the wall clock, in
   * milliseconds).
   */
  private record Cached(long startTicks, Optional<String> containerId, long seenMillis) {
    Cached seenAt(long millis) {
      return new Cached(startTicks, containerId, millis);
    }
  }

  /**
   * A gone process's records are taken for the cached one's only when made within this long of when
   * it was last seen running; later ones may be a later process's that got its PID unseen (no fork
   * events, or lost ones).
   */
  static final long GONE_WINDOW_MILLIS = 10_000;

  /** A child's container, as its parent's was when it forked; null for a host process's child. */
  private record Forked(Instant at, String containerId) {}

  /**
   * A fork is read a moment after it happened: a record stamped this much before the fork was read
   * still counts as the child's.
   */
  static final long FORK_SLACK_MILLIS = 2000;

  private final Map<Long, Forked> forks =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Forked> eldest) {
          return size() > CACHE_SIZE * 8;
        }
      };

  private final Path proc;
  private final long bootEpochSeconds;
  private final Map<Long, Cached> cache =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Cached> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  ProcessResolver(Path proc) throws IOException {
    this.proc = proc;
    this.bootEpochSeconds =
        ProcessStart.bootTime(Files.readString(proc.resolve("stat")))
            .orElseThrow(() -> new IOException(proc.resolve("stat") + " has no btime line"));
  }

  /**
   * @param pid the process (or thread) the record names
   * @param recordTime when the kernel stamped the record; empty when the record carries no time
   *     (trace lines, read as they happen)
   */
  Answer resolve(long pid, Optional<Instant> recordTime) {
    OptionalLong start = startTicks(pid);
    if (start.isEmpty()
        || recordTime.isPresent()
            && !ProcessStart.couldHaveMade(
                start.getAsLong(), bootEpochSeconds, recordTime.get().toEpochMilli())) {
      return fromCache(pid, start, recordTime).orElseGet(() -> fromFork(pid, recordTime));
    }
    Cached hit = cache.get(pid);
    long now = System.currentTimeMillis();
    if (hit != null && hit.startTicks() == start.getAsLong()) {
      hit = hit.seenAt(now);
      cache.put(pid, hit);
    } else {
      Optional<String> cgroup = read(proc.resolve(Long.toString(pid)).resolve("cgroup"));
      // The PID may have died and been reused between the two reads: the start time says.
      if (cgroup.isEmpty() || !start.equals(startTicks(pid))) {
        return fromFork(pid, recordTime);
      }
      hit = new Cached(start.getAsLong(), ContainerIds.fromProcCgroup(cgroup.get()), now);
      cache.put(pid, hit);
    }
    return hit.containerId().<Answer>map(InContainer::new).orElseGet(NotAContainer::new);
  }

  /**
   * A process forked: the child gets its parent's container (a parent that is itself gone is named
   * by its own fork). Children of host processes are not kept. Returns whether the parent runs in a
   * container.
   */
  boolean forked(long parent, long child, Instant now) {
    // The child is a new process: what the cache holds under its PID, if it started well before
    // the fork, is an earlier process's, and none of the child's records are its.
    Cached earlier = cache.get(child);
    if (earlier != null
        && ProcessStart.epochMillis(earlier.startTicks(), bootEpochSeconds)
            < now.toEpochMilli() - FORK_SLACK_MILLIS) {
      cache.remove(child);
    }
    Answer answer = resolve(parent, Optional.empty());
    if (answer instanceof InContainer c) {
      forks.put(child, new Forked(now, c.containerId()));
      return true;
    }
    // A host process's child (runc's, say): its records, if it is gone, are no pod's.
    forks.put(child, new Forked(now, null));
    return false;
  }

  /**
   * The container of a process that is gone (or whose PID a later process has), as it was read
   * while the process ran. The cache holds the last process it saw under this PID, not every one
   * that has had it since: its answer is taken only for a record that process could have made (it
   * had started; no fork of the PID since, {@link #forked}; within {@link #GONE_WINDOW_MILLIS} of
   * when it was last seen running).
   *
   * <p>Before the fork: a process changes cgroup after it forks, and runc's init, forked by runc on
   * the host, joins its container's cgroup only then. A container whose program exits within
   * milliseconds of its exec (`ls /`) is gone before the records of its last calls are read, and
   * taken for runc's child by its fork, those calls would be dropped as the host's.
   */
  private Optional<Answer> fromCache(
      long pid, OptionalLong liveStart, Optional<Instant> recordTime) {
    Cached seen = cache.get(pid);
    long made = recordTime.map(Instant::toEpochMilli).orElseGet(System::currentTimeMillis);
    if (seen == null
        || liveStart.isPresent() && liveStart.getAsLong() == seen.startTicks()
        || !ProcessStart.couldHaveMade(seen.startTicks(), bootEpochSeconds, made)
        || made > seen.seenMillis() + GONE_WINDOW_MILLIS) {
      return Optional.empty();
    }
    return Optional.of(
        seen.containerId().<Answer>map(InContainer::new).orElseGet(NotAContainer::new));
  }

  /**
   * The container of a process that is gone, from its fork; {@link Gone} when no fork of that PID
   * was seen, or only one after the record was made (the PID was reused).
   */
  private Answer fromFork(long pid, Optional<Instant> recordTime) {
    Forked f = forks.get(pid);
    if (f == null
        || recordTime.isPresent()
            && recordTime.get().toEpochMilli() < f.at().toEpochMilli() - FORK_SLACK_MILLIS) {
      return new Gone();
    }
    return f.containerId() == null ? new NotAContainer() : new InContainer(f.containerId());
  }

  private OptionalLong startTicks(long pid) {
    return read(proc.resolve(Long.toString(pid)).resolve("stat"))
        .map(ProcessStart::ticks)
        .orElse(OptionalLong.empty());
  }

  private static Optional<String> read(Path file) {
    try {
      // Latin-1: any byte reads (a command name may hold anything); the fields we need are ASCII.
      return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
