package dev.leastprivilege.agent.kube;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The list-and-watch contract, against a scripted API server: what the store is handed, which
 * revision is recorded, and how often the server is asked when something goes wrong. (The agent's
 * integration tests run it against a real kube-apiserver, an outage included: AgentResilienceIT.)
 */
class ListWatchTest {
  private static final String PATH = "/api/v1/namespaces/lpo/configmaps";

  /** A scripted list answered as the API server does when its watch cache is behind. */
  private static final String TOO_LARGE = "504:";

  private static final String TOO_LARGE_STATUS =
      TOO_LARGE
          + "{\"kind\":\"Status\",\"code\":504,\"reason\":\"Timeout\",\"message\":\"Too large"
          + " resource version\",\"details\":{\"causes\":[{\"reason\":\"ResourceVersionTooLarge\"}]}}";

  private HttpServer server;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  /** What the server answers to each list (by its continue token, "" for the first page). */
  private final Map<String, ConcurrentLinkedQueue<String>> lists = new ConcurrentHashMap<>();

  /**
   * What the server streams to each watch, in turn; once they are used up, every watch ends at once
   * with nothing.
   */
  private final ConcurrentLinkedQueue<Function<String, Reply>> watches =
      new ConcurrentLinkedQueue<>();

  private record Reply(int code, String body) {}

  private final RecordingStore store = new RecordingStore();
  private KubeApi api;
  private ListWatch<ConfigMap> watch;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(PATH, this::serve);
    server.start();
    api =
        KubeApi.connect(
            new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withRequestRetryBackoffLimit(0)
                .build());
    watch =
        new ListWatch<>(
            api, PATH, Map.of("labelSelector", "app=x"), 2, KubeObjects.CONFIG_MAP, store);
  }

  @AfterEach
  void stop() {
    watch.close();
    api.close();
    server.stop(0);
  }

  private void serve(HttpExchange ex) throws IOException {
    String query = ex.getRequestURI().getQuery();
    requests.add(query);
    Reply reply;
    if (query.contains("watch=true")) {
      Function<String, Reply> next = watches.poll();
      reply = next == null ? new Reply(200, "") : next.apply(query);
    } else {
      String token = param(query, "continue");
      String body =
          lists.getOrDefault(token == null ? "" : token, new ConcurrentLinkedQueue<>()).poll();
      if (body == null) {
        reply = new Reply(500, "{\"message\":\"no list scripted\"}");
      } else if (body.startsWith(TOO_LARGE)) {
        reply = new Reply(504, body.substring(TOO_LARGE.length()));
      } else {
        reply = new Reply(200, body);
      }
    }
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(reply.code(), bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String param(String query, String name) {
    for (String p : query.split("&")) {
      if (p.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(p.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static String cm(String name, String rv) {
    return "{\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\"lpo\",\"resourceVersion\":\""
        + rv
        + "\"}}";
  }

  private static String list(String rv, String next, String... items) {
    return "{\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\""
        + rv
        + "\""
        + (next == null ? "" : ",\"continue\":\"" + next + "\"")
        + "},\"items\":["
        + String.join(",", items)
        + "]}";
  }

  private static String event(String type, String object) {
    return "{\"type\":\"" + type + "\",\"object\":" + object + "}\n";
  }

  private void script(String token, String body) {
    lists.computeIfAbsent(token, k -> new ConcurrentLinkedQueue<>()).add(body);
  }

  @Test
  void listsEveryPageThenAppliesTheWatchedChangesInOrder() throws Exception {
    script("", list("10", "page2", cm("a", "5"), cm("b", "6")));
    script("page2", list("10", null, cm("c", "7")));
    watches.add(
        q ->
            new Reply(
                200,
                event("ADDED", cm("d", "11"))
                    + event("MODIFIED", cm("a", "12"))
                    + event("DELETED", cm("b", "13"))
                    + event("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"20\"}}")));
    watch.start().get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "20".equals(watch.lastSyncResourceVersion()));
    assertEquals(Set.of("lpo/a", "lpo/c", "lpo/d"), store.keys());
    assertEquals(
        List.of(
            "put lpo/a 5",
            "put lpo/b 6",
            "put lpo/c 7",
            "put lpo/d 11",
            "put lpo/a 12",
            "remove lpo/b"),
        store.log.subList(0, 6));
    String firstWatch =
        requests.stream().filter(q -> q.contains("watch=true")).findFirst().orElseThrow();
    assertTrue(
        firstWatch.contains("resourceVersion=10"),
        "watches from the list's revision: " + firstWatch);
    assertTrue(firstWatch.contains("allowWatchBookmarks=true"), firstWatch);
    assertTrue(requests.get(0).contains("limit=2"), requests.get(0));
  }

  @Test
  void aGoneWatchListsAgainAndForgetsWhatTheNewListLacks() throws Exception {
    script("", list("10", null, cm("a", "5"), cm("b", "6")));
    script("", list("30", null, cm("a", "5")));
    goneThenBookmark("31");
    watch.start().get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "31".equals(watch.lastSyncResourceVersion()));
    assertEquals(Set.of("lpo/a"), store.keys());
    assertTrue(store.log.contains("remove lpo/b"), store.log.toString());
    assertEquals(
        2,
        store.log.stream().filter("put lpo/a 5"::equals).count(),
        "the new list hands a over again (the store knows it is unchanged): " + store.log);
    List<String> lists = lists();
    assertEquals(2, lists.size(), lists.toString());
    assertTrue(
        lists.get(1).contains("resourceVersion=10") && !lists.get(1).contains("limit="),
        "the new list is one answer from the watch cache, at least as new as the last revision: "
            + lists.get(1));
  }

  @Test
  void aWatchCacheThatIsBehindLeadsToAListFromEtcd() throws Exception {
    script("", list("10", null, cm("a", "5"), cm("b", "6")));
    script("", TOO_LARGE_STATUS);
    script("", list("40", null, cm("b", "6")));
    goneThenBookmark("41");
    watch.start().get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> "41".equals(watch.lastSyncResourceVersion()));
    assertEquals(Set.of("lpo/b"), store.keys());
    List<String> lists = lists();
    assertEquals(3, lists.size(), lists.toString());
    assertTrue(lists.get(1).contains("resourceVersion=10"), lists.get(1));
    assertTrue(
        lists.get(2).contains("limit=2") && !lists.get(2).contains("resourceVersion="),
        "read from etcd again, in pages: " + lists.get(2));
  }

  /**
   * A watch that the server ends as "gone", then one that brings a bookmark at {@code revision}.
   */
  private void goneThenBookmark(String revision) {
    watches.add(
        q ->
            new Reply(
                200,
                event(
                    "ERROR",
                    "{\"kind\":\"Status\",\"code\":410,\"message\":\"too old resource version\"}")));
    watches.add(
        q ->
            new Reply(
                200,
                event("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"" + revision + "\"}}")));
  }

  private List<String> lists() {
    synchronized (requests) {
      return requests.stream().filter(q -> !q.contains("watch=true")).toList();
    }
  }

  @Test
  void aWatchedObjectWithoutNameOrRevisionIsABrokenAnswerAndTheListIsReadAgain() throws Exception {
    script("", list("10", null, cm("a", "5")));
    script("", list("50", null, cm("a", "5"), cm("b", "48")));
    watches.add(
        q ->
            new Reply(
                200,
                event("ADDED", "{\"kind\":\"ConfigMap\"}")
                    + event("ADDED", "{\"metadata\":\"x\"}")));
    watches.add(
        q -> new Reply(200, event("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"51\"}}")));
    watch.start().get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "51".equals(watch.lastSyncResourceVersion()));
    assertEquals(Set.of("lpo/a", "lpo/b"), store.keys());
    assertTrue(
        store.log.stream().noneMatch(e -> e.contains("null")),
        "nothing stored under a missing name: " + store.log);
    assertEquals(2, lists().size(), "listed again after the broken event: " + requests);
    assertTrue(
        requests.stream().noneMatch(q -> q.contains("resourceVersion=null")), requests.toString());
  }

  @Test
  void aGoneWhoseCodeIsAStringIsStillGone() throws Exception {
    script("", list("10", null, cm("a", "5")));
    script("", list("60", null, cm("a", "5")));
    watches.add(
        q ->
            new Reply(
                200,
                event("ERROR", "{\"kind\":\"Status\",\"code\":\"410\",\"message\":\"gone\"}")));
    watches.add(
        q -> new Reply(200, event("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"61\"}}")));
    watch.start().get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "61".equals(watch.lastSyncResourceVersion()));
    assertEquals(2, lists().size(), "a 410 lists again: " + requests);
  }

  @Test
  void aServerThatEndsEveryWatchAtOnceIsAskedLessAndLessOften() throws Exception {
    script("", list("10", null, cm("a", "5")));
    watch.start().get(10, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> watchCount() >= 4);
    double seconds = (System.nanoTime() - t0) / 1e9;
    // Pauses of about 0.5, 1 and 2 s between the first four watches, each between half and one
    // and a half times that (jitter), so at least 1.75 s: not a loop of requests.
    assertTrue(seconds >= 1.75, "4 watches in " + seconds + " s: " + requests);
    assertTrue(watch.isRunning());
  }

  @Test
  void aFailingListIsTriedAgainWithGrowingPausesUntilItWorks() throws Exception {
    var synced = watch.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> requests.size() >= 2);
    assertFalse(synced.isDone(), "not synced while the list fails");
    script("", list("10", null, cm("a", "5")));
    synced.get(20, TimeUnit.SECONDS);
    assertEquals(Set.of("lpo/a"), store.keys());
    assertEquals("10", watch.lastSyncResourceVersion());
  }

  @Test
  void closingStopsTheThread() throws Exception {
    script("", list("10", null, cm("a", "5")));
    watches.add(
        q -> new Reply(200, event("BOOKMARK", "{\"metadata\":{\"resourceVersion\":\"11\"}}")));
    watch.start().get(10, TimeUnit.SECONDS);
    watch.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> !watch.isRunning());
  }

  private long watchCount() {
    synchronized (requests) {
      return requests.stream().filter(q -> q.contains("watch=true")).count();
    }
  }

  /** Keeps the keys and a log of what it was handed. */
  private static final class RecordingStore implements WatchedStore<ConfigMap> {
    final Map<String, String> held = new ConcurrentHashMap<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void put(String key, ConfigMap object) {
      held.put(key, object.getMetadata().getResourceVersion());
      log.add("put " + key + " " + object.getMetadata().getResourceVersion());
    }

    @Override
    public void remove(String key) {
      held.remove(key);
      log.add("remove " + key);
    }

    @Override
    public Set<String> keys() {
      return held.keySet();
    }
  }
}
