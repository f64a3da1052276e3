package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a collection in pages, then watches it from the list's resourceVersion, and hands every
 * object and change to a {@link WatchedStore} as it arrives, on one thread of its own: the
 * informer's contract, for one collection and without a cache of whole objects.
 *
 * <ul>
 *   <li>A watch the server ends (its timeout) is opened again from the last resourceVersion seen,
 *       bookmarks included; one that is "gone" (410: the revision was compacted) leads to a new
 *       list, which also removes what the store holds and the list no longer has.
 *   <li>Any other failure (the API server away, an error in the store) is tried again after a
 *       growing pause, up to {@link #MAX_PAUSE_MILLIS}; a failure in the store leads to a new list,
 *       so no change is lost.
 *   <li>{@link #lastSyncResourceVersion} moves on only after the store has taken the change.
 * </ul>
 */
public final class ListWatch<T extends HasMetadata> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListWatch.class);
  static final long FIRST_PAUSE_MILLIS = 500;
  static final long MAX_PAUSE_MILLIS = 30_000;

  /**
   * The server ends each watch after 5 to 10 minutes (spread, so that a fleet's agents do not all
   * come back at once), as client-go's reflectors do.
   */
  static final int WATCH_SECONDS_MIN = 300;

  private final KubeApi api;
  private final String path;
  private final Map<String, String> selection;
  private final long pageSize;
  private final Class<T> type;
  private final WatchedStore<T> store;
  private final CompletableFuture<Void> synced = new CompletableFuture<>();
  private volatile String lastSyncResourceVersion;
  private volatile boolean running;
  private volatile boolean closed;
  private volatile InputStream openWatch;
  private Thread thread;

  /**
   * @param path the collection's path ({@link KubeApi#path})
   * @param selection query parameters that choose the objects (a labelSelector, say)
   * @param pageSize how many objects one list page holds
   */
  public ListWatch(
      KubeApi api,
      String path,
      Map<String, String> selection,
      long pageSize,
      Class<T> type,
      WatchedStore<T> store) {
    this.api = api;
    this.path = path;
    this.selection = Map.copyOf(selection);
    this.pageSize = pageSize;
    this.type = type;
    this.store = store;
  }

  /** Starts; the future completes when the first list has been handed to the store. */
  public synchronized CompletableFuture<Void> start() {
    if (thread == null) {
      running = true;
      thread = new Thread(this::run, "lpo-list-watch");
      thread.setDaemon(true);
      thread.start();
    }
    return synced;
  }

  /** The resourceVersion up to which every change is in the store; null before the first list. */
  public String lastSyncResourceVersion() {
    return lastSyncResourceVersion;
  }

  /** False once stopped, or if its thread died (of an {@code Error}: out of memory, say). */
  public boolean isRunning() {
    return running;
  }

  private void run() {
    long pause = FIRST_PAUSE_MILLIS;
    boolean listed = false;
    try {
      while (!closed) {
        try {
          if (!listed) {
            list();
            listed = true;
            synced.complete(null);
          }
          pause = FIRST_PAUSE_MILLIS;
          watch();
        } catch (KubeApiException e) {
          if (closed) {
            return;
          }
          if (e.code() == KubeApiException.GONE) {
            LOG.info("{}: {}; listing again", path, e.getMessage());
            listed = false;
            continue;
          }
          LOG.warn("{}: {}; trying again in {} ms", path, e.getMessage(), pause);
          pause = pause(pause);
        } catch (RuntimeException e) {
          if (closed) {
            return;
          }
          LOG.warn("{}: {}; listing again in {} ms", path, e.toString(), pause, e);
          listed = false;
          pause = pause(pause);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running = false;
    }
  }

  private long pause(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return Math.min(MAX_PAUSE_MILLIS, millis * 2);
  }

  /** One whole list, a page at a time; then removes what the store holds and the list has not. */
  private void list() {
    Set<String> listed = new HashSet<>();
    String resourceVersion = null;
    String next = null;
    do {
      Map<String, String> query = new LinkedHashMap<>(selection);
      query.put("limit", Long.toString(pageSize));
      if (next != null) {
        query.put("continue", next);
      }
      KubeApi.ListPage page =
          api.list(
              path,
              query,
              type,
              item -> {
                String key = key(item);
                listed.add(key);
                store.put(key, item);
              });
      if (resourceVersion == null) {
        resourceVersion = page.resourceVersion();
      }
      next = page.next();
    } while (next != null && !closed);
    for (String key : Set.copyOf(store.keys())) {
      if (!listed.contains(key)) {
        store.remove(key);
      }
    }
    lastSyncResourceVersion = resourceVersion;
  }

  /** Watches from the last resourceVersion until the server ends the watch. */
  private void watch() {
    Map<String, String> query = new LinkedHashMap<>(selection);
    query.put("resourceVersion", lastSyncResourceVersion);
    query.put("allowWatchBookmarks", "true");
    query.put(
        "timeoutSeconds",
        Integer.toString(
            WATCH_SECONDS_MIN + ThreadLocalRandom.current().nextInt(WATCH_SECONDS_MIN)));
    try (InputStream events = api.watch(path, query)) {
      openWatch = events;
      if (closed) {
        return;
      }
      try (JsonParser p = api.json().getFactory().createParser(events)) {
        while (p.nextToken() == JsonToken.START_OBJECT) {
          handle(api.json().readTree(p));
        }
      }
    } catch (IOException e) {
      throw new KubeApiException(0, "WATCH " + path + ": " + e.getMessage(), e);
    } finally {
      openWatch = null;
    }
  }

  private void handle(JsonNode event) throws IOException {
    String kind = KubeApi.text(event, "type");
    JsonNode object = event.get("object");
    if (kind == null || object == null) {
      throw new IOException("a watch event without type or object: " + event);
    }
    switch (kind) {
      case "ADDED", "MODIFIED" -> {
        T item = api.json().treeToValue(object, type);
        store.put(key(item), item);
        lastSyncResourceVersion = item.getMetadata().getResourceVersion();
      }
      case "DELETED" -> {
        T item = api.json().treeToValue(object, type);
        store.remove(key(item));
        lastSyncResourceVersion = item.getMetadata().getResourceVersion();
      }
      case "BOOKMARK" -> {
        JsonNode meta = object.get("metadata");
        String rv = meta == null ? null : KubeApi.text(meta, "resourceVersion");
        if (rv != null) {
          lastSyncResourceVersion = rv;
        }
      }
      case "ERROR" -> {
        JsonNode code = object.get("code");
        throw new KubeApiException(
            code == null ? 0 : code.asInt(),
            "WATCH " + path + ": " + KubeApi.text(object, "message"),
            null);
      }
      default -> LOG.debug("{}: ignoring a watch event of type {}", path, kind);
    }
  }

  private static String key(HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return (ns == null ? "" : ns) + "/" + o.getMetadata().getName();
  }

  @Override
  public void close() {
    closed = true;
    InputStream w = openWatch;
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        LOG.debug("closing the watch of {}: {}", path, e.getMessage());
      }
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.interrupt();
    }
    running = false;
  }
}
