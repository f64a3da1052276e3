package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The agent's few calls to the API server, on fabric8's HTTP client and configuration (service
 * account token and its rotation, kubeconfig, CA, proxies), its JSON read and written with
 * jackson-core's streaming parser and generator ({@link JsonTree}, {@link KubeObjects}).
 *
 * <p>Why not fabric8's {@code KubernetesClient}: creating one, or its serializer, registers every
 * built-in kind, which loads about 800 model and DSL classes the agent never uses; one agent runs
 * on every node, and those classes were the largest part of its resident memory after the heap
 * (docs/performance.md, "The agent's resident memory"). The agent needs one list-and-watch, a few
 * reads and one status patch, so it makes them itself; the model classes it reads and writes are
 * fabric8's and its own, bound field by field ({@link KubeObjects}): jackson-databind is not used
 * either ({@link JsonTree} says why).
 */
public final class KubeApi implements AutoCloseable {
  static final String JSON = "application/json";
  static final String MERGE_PATCH = "application/merge-patch+json";

  /**
   * A list whose stream brings nothing for this long is given up (each item is written to disk as
   * it is read, so the whole list may take longer; a stalled one may not).
   */
  static final Duration LIST_IDLE = Duration.ofMinutes(2);

  /** A list may take at most this long in all. */
  static final Duration LIST_TOTAL = Duration.ofMinutes(30);

  /** An error's body is read up to this size: the API server's Status is a few hundred bytes. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  private final HttpClient http;
  private final String server;
  private final long requestTimeoutMillis;
  private final boolean webSocketWatches;
  private final StreamDeadlines deadlines = new StreamDeadlines();

  /**
   * No retries in fabric8's HTTP layer: its default retries an error answer ten times within about
   * 19 s, in step across a fleet, under the list-and-watch's own pauses (which grow, with jitter).
   */
  private KubeApi(Config config, boolean webSocketWatches) {
    this.webSocketWatches = webSocketWatches;
    Config own = new ConfigBuilder(config).withRequestRetryBackoffLimit(0).build();
    this.http = HttpClientUtils.getHttpClientFactory().newBuilder(own).build();
    String url = own.getMasterUrl();
    this.server = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    Integer timeout = own.getRequestTimeout();
    this.requestTimeoutMillis = timeout == null ? 0 : timeout;
  }

  /** Connects as fabric8's {@link Config} says (in a pod: the pod's service account). */
  public static KubeApi connect(Config config) {
    return new KubeApi(config, false);
  }

  /**
   * For a server that serves watches over WebSocket only: fabric8's mock API server, which {@code
   * lpo local} runs. A real API server is watched over HTTP ({@link #connect}).
   */
  public static KubeApi connectWatchingOverWebSocket(Config config) {
    return new KubeApi(config, true);
  }

  /**
   * From the environment, as fabric8 finds it: in a pod, its service account. The user agent names
   * the agent in the API server's audit log and its priority-and-fairness rules.
   */
  public static KubeApi fromEnvironment(String userAgent) {
    Config config = Config.autoConfigure(null);
    config.setUserAgent(userAgent);
    return connect(config);
  }

  /** The path of a kind's collection, or of one object when {@code name} is given. */
  public static String path(Class<? extends HasMetadata> kind, String namespace, String name) {
    String group = HasMetadata.getGroup(kind);
    StringBuilder p = new StringBuilder(group == null || group.isEmpty() ? "/api/" : "/apis/");
    if (group != null && !group.isEmpty()) {
      p.append(group).append('/');
    }
    p.append(HasMetadata.getVersion(kind));
    if (namespace != null) {
      p.append("/namespaces/").append(namespace);
    }
    p.append('/').append(HasMetadata.getPlural(kind));
    if (name != null) {
      p.append('/').append(name);
    }
    return p.toString();
  }

  /**
   * One object, or empty when it does not exist.
   *
   * @param binding reads the object's JSON ({@link KubeObjects})
   */
  public <T> Optional<T> get(String path, Binding<T> binding) {
    HttpResponse<InputStream> r = send(timed(request(path, Map.of())).build());
    try (InputStream body = r.body()) {
      if (r.code() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.empty();
      }
      requireSuccess(r, body, "GET", path);
      try (JsonParser p = JsonTree.FACTORY.createParser(body)) {
        p.nextToken();
        return Optional.of(binding.read(p));
      }
    } catch (IOException e) {
      throw new KubeApiException(0, "GET " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * One page of a list, read as it streams: each item is handed to {@code item} as soon as it is
   * parsed, so a page is never in memory as objects (the HTTP client buffers some of its bytes:
   * {@code jdk.httpclient.windowsize}, which the agent sets).
   *
   * @return the list's resourceVersion and the token of the next page (empty on the last)
   */
  public <T> ListPage list(
      String path, Map<String, String> query, Binding<T> binding, Consumer<T> item) {
    HttpResponse<InputStream> r = send(timed(request(path, query)).build());
    try (InputStream body = deadlines.guard(r.body(), LIST_IDLE, LIST_TOTAL)) {
      requireSuccess(r, body, "GET", path);
      String resourceVersion = null;
      String next = null;
      try (JsonParser p = JsonTree.FACTORY.createParser(body)) {
        expect(p.nextToken(), JsonToken.START_OBJECT, path);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
            Map<String, Object> meta = JsonTree.readObject(p);
            resourceVersion = JsonTree.text(meta, "resourceVersion");
            next = JsonTree.text(meta, "continue");
          } else if ("items".equals(field) && value == JsonToken.START_ARRAY) {
            // Anything but an object in the list is a broken answer, not its end: stopping there
            // would take the items after it for deleted.
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
              expect(t, JsonToken.START_OBJECT, path);
              item.accept(binding.read(p));
            }
          } else {
            p.skipChildren();
          }
        }
      }
      if (resourceVersion == null) {
        throw new IOException("a list without a resourceVersion from " + path);
      }
      return new ListPage(resourceVersion, next == null || next.isEmpty() ? null : next);
    } catch (IOException e) {
      throw new KubeApiException(0, "GET " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every page of a list, {@code pageSize} at a time, each item handed over as it streams.
   *
   * @return the resourceVersion of the list (its first page's: every page is of that snapshot)
   */
  public <T> String listAll(
      String path, Map<String, String> query, long pageSize, Binding<T> binding, Consumer<T> item) {
    String resourceVersion = null;
    String next = null;
    do {
      Map<String, String> q = new LinkedHashMap<>(query);
      q.put("limit", Long.toString(pageSize));
      if (next != null) {
        q.put("continue", next);
      }
      ListPage page = list(path, q, binding, item);
      if (resourceVersion == null) {
        resourceVersion = page.resourceVersion();
      }
      next = page.next();
      if (next != null && Thread.currentThread().isInterrupted()) {
        // Never a part of a list as if it were the whole: its caller would take the rest for gone.
        throw new KubeApiException(0, "GET " + path + ": interrupted between pages", null);
      }
    } while (next != null);
    return resourceVersion;
  }

  /** The resourceVersion of a list and the token of its next page (null on the last page). */
  public record ListPage(String resourceVersion, String next) {}

  /**
   * Opens a watch: the caller reads its events from the stream ({@link ListWatch}) and closes it. A
   * deadline: the stream is closed after {@code deadline} whatever the server does (a watch may
   * rightly bring nothing for minutes), so that a watch over a connection that died silently ends
   * too.
   */
  InputStream watch(String path, Map<String, String> query, Duration deadline) {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.put("watch", "true");
    if (webSocketWatches) {
      WebSocketEvents events = new WebSocketEvents();
      try {
        http.newWebSocketBuilder()
            .uri(java.net.URI.create(uri(path, q)))
            .buildAsync(events)
            .get(Math.max(requestTimeoutMillis, 10_000), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KubeApiException(0, "WATCH " + path + ": interrupted", e);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new KubeApiException(0, "WATCH " + path + ": " + e, e);
      }
      return deadlines.guard(events, deadline, deadline);
    }
    HttpResponse<InputStream> r = send(timed(request(path, q)).forStreaming().build());
    InputStream body = deadlines.guard(r.body(), deadline, deadline);
    if (r.code() >= 300) {
      try (body) {
        requireSuccess(r, body, "WATCH", path);
      } catch (IOException e) {
        throw new KubeApiException(r.code(), "WATCH " + path + ": " + e.getMessage(), e);
      }
    }
    return body;
  }

  /** Creates an object in its collection: {@code object} as a {@link JsonTree}. */
  public void create(String collectionPath, Map<String, Object> object) {
    write("POST", collectionPath, JSON, object);
  }

  /** A JSON merge patch (RFC 7386), as a {@link JsonTree}: fields left out are left as they are. */
  public void mergePatch(String path, Map<String, Object> patch) {
    write("PATCH", path, MERGE_PATCH, patch);
  }

  /** Deletes an object only if it is still at this resourceVersion. */
  public void deleteAt(String path, String resourceVersion) {
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("apiVersion", "v1");
    options.put("kind", "DeleteOptions");
    options.put("preconditions", Map.of("resourceVersion", resourceVersion));
    write("DELETE", path, JSON, options);
  }

  private void write(String method, String path, String contentType, Map<String, Object> body) {
    String text = JsonTree.write(body);
    HttpResponse<InputStream> r =
        send(timed(request(path, Map.of())).method(method, contentType, text).build());
    try (InputStream in = r.body()) {
      requireSuccess(r, in, method, path);
    } catch (IOException e) {
      throw new KubeApiException(0, method + " " + path + ": " + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder request(String path, Map<String, String> query) {
    return http.newHttpRequestBuilder().uri(uri(path, query)).header("Accept", JSON);
  }

  private String uri(String path, Map<String, String> query) {
    StringBuilder uri = new StringBuilder(server).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : query.entrySet()) {
      uri.append(sep)
          .append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return uri.toString();
  }

  /**
   * The configured request timeout (fabric8's {@code requestTimeout}, 10 s by default) until the
   * response's headers: the HTTP client has none by default.
   */
  private HttpRequest.Builder timed(HttpRequest.Builder request) {
    return requestTimeoutMillis <= 0
        ? request
        : request.timeout(requestTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    CompletableFuture<HttpResponse<InputStream>> response =
        http.sendAsync(request, InputStream.class);
    try {
      return response.get();
    } catch (InterruptedException e) {
      response.cancel(true); // a response that comes later is closed, not left open
      Thread.currentThread().interrupt();
      throw new KubeApiException(
          0, request.method() + " " + request.uri().getPath() + ": interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new KubeApiException(
          0, request.method() + " " + request.uri().getPath() + ": " + cause, cause);
    }
  }

  /** Throws the API server's own message (its Status object) for a failed response. */
  private void requireSuccess(HttpResponse<?> r, InputStream body, String method, String path)
      throws IOException {
    if (r.code() < 300) {
      return;
    }
    String message = null;
    String cause = null;
    try {
      Map<String, Object> status = JsonTree.parseObject(body.readNBytes(MAX_ERROR_BODY));
      message = JsonTree.text(status, "message");
      List<?> causes = JsonTree.array(JsonTree.object(status, "details"), "causes");
      cause = causes.isEmpty() ? null : JsonTree.text(JsonTree.asObject(causes.get(0)), "reason");
    } catch (IOException e) {
      // No Status in the body: the code alone says what failed.
    }
    throw new KubeApiException(
        r.code(),
        cause,
        method + " " + path + ": " + r.code() + (message == null ? "" : " " + message),
        null);
  }

  private static void expect(JsonToken actual, JsonToken wanted, String path) throws IOException {
    if (actual != wanted) {
      throw new IOException("unexpected JSON from " + path + ": " + actual);
    }
  }

  @Override
  public void close() {
    deadlines.close();
    http.close();
  }
}
