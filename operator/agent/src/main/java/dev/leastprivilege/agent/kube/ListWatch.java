package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a collection, then watches it from the list's resourceVersion, and hands every object and
 * change to a {@link WatchedStore} as it arrives, on one thread of its own: the informer's
 * contract, for one collection and without a cache of whole objects.
 *
 * <ul>
 *   <li>The first list is read from etcd, in pages: a consistent snapshot, never older than what an
 *       earlier agent on this node wrote. A later list (after a watch is "gone") asks for at least
 *       the last revision seen, which the API server serves from its watch cache, in one streamed
 *       answer: when an API server restarts, a fleet of agents lists from its cache, not from etcd.
 *       If it cannot (410, or the cache is behind), the list is read from etcd again.
 *   <li>A watch the server ends (its timeout) is opened again from the last resourceVersion seen,
 *       bookmarks included; one that is "gone" (410: the revision was compacted) leads to a new
 *       list, which also removes what the store holds and the list no longer has. A watch is closed
 *       on the agent's side too, a little after the server should have ended it.
 *   <li>Any failure (the API server away, an error in the store, a watch that ends at once) is
 *       tried again after a pause that doubles, up to {@link #MAX_PAUSE_MILLIS}, with jitter, and
 *       is reset only by a watch that worked; a failure in the store leads to a new list.
 *   <li>{@link #lastSyncResourceVersion} moves on only after the store has taken the change. (Not
 *       the newer "watch list" streaming: its initial events do not come in revision order.)
 * </ul>
 */
public final class ListWatch<T extends HasMetadata> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListWatch.class);
  static final long FIRST_PAUSE_MILLIS = 500;
  static final long MAX_PAUSE_MILLIS = 30_000;

  /** A watch the server kept open this long worked, even if nothing changed meanwhile. */
  static final long HEALTHY_WATCH_NANOS = 1_000_000_000L;

  /** How long after the server's own timeout the agent closes a watch itself. */
  static final Duration WATCH_GRACE = Duration.ofSeconds(30);

  /**
   * The server ends each watch after 5 to 10 minutes (spread, so that a fleet's agents do not all
   * come back at once), as client-go's reflectors do.
   */
  static final int WATCH_SECONDS_MIN = 300;

  private final KubeApi api;
  private final String path;
  private final Map<String, String> selection;
  private final long pageSize;
  private final Binding<T> binding;

  /** What a watch event's object is read with: the kind's fields, and a Status's. */
  private final Set<String> eventFields;

  private final WatchedStore<T> store;
  private final CompletableFuture<Void> synced = new CompletableFuture<>();
  private volatile String lastSyncResourceVersion;
  private volatile boolean running;
  private volatile boolean closed;
  private volatile InputStream openWatch;

  /** When the current watch was opened (0 outside a watch) and how many events it brought. */
  private long watchOpened;

  private int watchEvents;
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
      Binding<T> binding,
      WatchedStore<T> store) {
    this.api = api;
    this.path = path;
    this.selection = Map.copyOf(selection);
    this.pageSize = pageSize;
    this.binding = binding;
    Set<String> fields = new HashSet<>(binding.fields());
    fields.addAll(Set.of("metadata", "code", "message"));
    this.eventFields = Set.copyOf(fields);
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

  /**
   * Lists, then watches, again and again. The pause between attempts grows with every failure and
   * is reset only by a watch that worked (it delivered an event, or the server kept it open a
   * while): a store that fails on every change, or a server that ends every watch at once, must not
   * turn into a list of every profile twice a second.
   */
  private void run() {
    long pause = FIRST_PAUSE_MILLIS;
    boolean listed = false;
    boolean fromEtcd = true;
    try {
      while (!closed) {
        try {
          if (!listed) {
            list(fromEtcd);
            if (closed) {
              break;
            }
            listed = true;
            fromEtcd = false;
            synced.complete(null);
          }
          watch();
          if (watchWorked()) {
            pause = FIRST_PAUSE_MILLIS;
          } else if (!closed) {
            LOG.debug("{}: the watch ended at once; watching again in about {} ms", path, pause);
            pause = pause(pause);
          }
        } catch (KubeApiException e) {
          if (closed) {
            return;
          }
          if (watchWorked()) {
            pause = FIRST_PAUSE_MILLIS; // a watch cut after it worked (a proxy's idle timeout)
          }
          if (e.code() == KubeApiException.GONE || (!listed && e.cacheBehind())) {
            // Gone: the revision was compacted; a list from the cache that fails so is read from
            // etcd.
            fromEtcd = fromEtcd || !listed;
            listed = false;
            LOG.info("{}: {}; listing again in about {} ms", path, e.getMessage(), pause);
          } else {
            LOG.warn("{}: {}; trying again in about {} ms", path, e.getMessage(), pause);
          }
          pause = pause(pause);
        } catch (RuntimeException e) {
          if (closed) {
            return;
          }
          LOG.warn("{}: {}; listing again in about {} ms", path, e.toString(), pause, e);
          watchOpened = 0; // a store that fails is no sign of a working watch
          listed = false;
          pause = pause(pause);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Error e) {
      LOG.error("{}: the list-and-watch thread died: {}", path, e.toString(), e);
      throw e;
    } finally {
      running = false;
      synced.completeExceptionally(
          new IllegalStateException("the list-and-watch of " + path + " ended"));
    }
  }

  /** Whether the last watch delivered an event, or the server kept it open a while. */
  private boolean watchWorked() {
    boolean worked =
        watchOpened != 0
            && (watchEvents > 0 || System.nanoTime() - watchOpened >= HEALTHY_WATCH_NANOS);
    watchOpened = 0;
    return worked;
  }

  /** Sleeps for about {@code millis} (between half and one and a half times), then doubles it. */
  private long pause(long millis) throws InterruptedException {
    Thread.sleep(millis / 2 + ThreadLocalRandom.current().nextLong(millis + 1));
    return Math.min(MAX_PAUSE_MILLIS, millis * 2);
  }

  /**
   * One whole list; then removes what the store holds and the list has not.
   *
   * @param fromEtcd a consistent list from etcd, in pages; otherwise one answer from the API
   *     server's watch cache, at least as new as the last revision seen
   */
  private void list(boolean fromEtcd) {
    Set<String> listed = new HashSet<>();
    Consumer<T> put =
        item -> {
          String key = key(identified(item));
          listed.add(key);
          store.put(key, item);
        };
    String resourceVersion;
    if (fromEtcd) {
      resourceVersion = api.listAll(path, selection, pageSize, binding, put);
    } else {
      Map<String, String> query = new LinkedHashMap<>(selection);
      query.put("resourceVersion", lastSyncResourceVersion);
      resourceVersion = api.list(path, query, binding, put).resourceVersion();
    }
    if (closed) {
      return; // a list cut short says nothing of what is gone
    }
    for (String key : Set.copyOf(store.keys())) {
      if (!listed.contains(key)) {
        store.remove(key);
      }
    }
    lastSyncResourceVersion = resourceVersion;
  }

  /** Watches from the last resourceVersion until the server (or the deadline) ends the watch. */
  private void watch() {
    Map<String, String> query = new LinkedHashMap<>(selection);
    query.put("resourceVersion", lastSyncResourceVersion);
    query.put("allowWatchBookmarks", "true");
    int seconds = WATCH_SECONDS_MIN + ThreadLocalRandom.current().nextInt(WATCH_SECONDS_MIN);
    query.put("timeoutSeconds", Integer.toString(seconds));
    watchOpened = System.nanoTime();
    watchEvents = 0;
    try (InputStream events =
        api.watch(path, query, Duration.ofSeconds(seconds).plus(WATCH_GRACE))) {
      openWatch = events;
      if (closed) {
        return;
      }
      try (JsonParser p = JsonTree.FACTORY.createParser(events)) {
        while (p.nextToken() == JsonToken.START_OBJECT) {
          String kind = null;
          Map<String, Object> object = null;
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
              kind = p.getText();
            } else if ("object".equals(field) && value == JsonToken.START_OBJECT) {
              object = JsonTree.readObject(p, eventFields);
            } else {
              p.skipChildren();
            }
          }
          handle(kind, object);
          watchEvents++;
        }
      }
    } catch (IOException e) {
      throw new KubeApiException(0, "WATCH " + path + ": " + e.getMessage(), e);
    } finally {
      openWatch = null;
    }
  }

  private void handle(String kind, Map<String, Object> object) throws IOException {
    if (kind == null || object == null) {
      throw new IOException("a watch event without type or object");
    }
    switch (kind) {
      case "ADDED", "MODIFIED" -> {
        T item = identified(binding.bind().apply(object));
        store.put(key(item), item);
        lastSyncResourceVersion = item.getMetadata().getResourceVersion();
      }
      case "DELETED" -> {
        T item = identified(binding.bind().apply(object));
        store.remove(key(item));
        lastSyncResourceVersion = item.getMetadata().getResourceVersion();
      }
      case "BOOKMARK" -> {
        String rv = JsonTree.text(JsonTree.object(object, "metadata"), "resourceVersion");
        if (rv != null) {
          lastSyncResourceVersion = rv;
        }
      }
      case "ERROR" -> {
        throw new KubeApiException(
            code(object), "WATCH " + path + ": " + JsonTree.text(object, "message"), null);
      }
      default -> LOG.debug("{}: ignoring a watch event of type {}", path, kind);
    }
  }

  /**
   * An object the store can key, and whose revision the watch can resume from: one without a name
   * or resourceVersion is a broken answer, and the whole list is read again (taken for valid, it
   * would be stored under "ns/null" and the next watch would ask for revision null, again and
   * again).
   */
  private T identified(T item) {
    if (item.getMetadata() == null
        || item.getMetadata().getName() == null
        || item.getMetadata().getResourceVersion() == null) {
      // Not a KubeApiException: the watch would resume from the same revision and get it again.
      throw new IllegalStateException(path + ": an object without a name or resourceVersion");
    }
    return item;
  }

  /** A Status's code; 0 when it has none (the API server sends a number, some proxies a string). */
  private static int code(Map<String, Object> status) {
    try {
      String code = JsonTree.text(status, "code");
      return code == null ? 0 : (int) Double.parseDouble(code);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The store's key of an object: "namespace/name" ("/name" for a cluster-scoped one). */
  public static String key(HasMetadata o) {
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
  }
}
