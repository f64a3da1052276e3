package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The agent's few calls to the API server, on fabric8's HTTP client and configuration (service
 * account token and its rotation, kubeconfig, CA, proxies) with a plain Jackson mapper.
 *
 * <p>Why not fabric8's {@code KubernetesClient}: creating one, or its serializer, registers every
 * built-in kind, which loads about 800 model and DSL classes the agent never uses; one agent runs
 * on every node, and those classes were the largest part of its resident memory after the heap
 * (docs/performance.md, "The agent's resident memory"). The agent needs one list-and-watch, a few
 * reads and one status patch, so it makes them itself; the model classes it reads and writes are
 * fabric8's and its own, bound by this mapper.
 */
public final class KubeApi implements AutoCloseable {
  static final String JSON = "application/json";
  static final String MERGE_PATCH = "application/merge-patch+json";

  /** How long one list page may take to arrive in full: a stalled connection must not hang. */
  static final Duration LIST_DEADLINE = Duration.ofMinutes(5);

  /** An error's body is read up to this size: the API server's Status is a few hundred bytes. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  private final HttpClient http;
  private final String server;
  private final long requestTimeoutMillis;
  private final ObjectMapper json =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  /**
   * Closes streams that outlive their deadline. The JDK's HTTP client has no read timeout for a
   * streamed body, and over a connection that went away without a reset (a vanished node, flushed
   * conntrack) a read would block forever while the agent still looked alive.
   */
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lpo-kube-deadlines");
            t.setDaemon(true);
            return t;
          });

  private KubeApi(Config config) {
    this.http = HttpClientUtils.getHttpClientFactory().newBuilder(config).build();
    String url = config.getMasterUrl();
    this.server = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    Integer timeout = config.getRequestTimeout();
    this.requestTimeoutMillis = timeout == null || timeout <= 0 ? 10_000 : timeout;
  }

  /** Connects as fabric8's {@link Config} says (in a pod: the pod's service account). */
  public static KubeApi connect(Config config) {
    return new KubeApi(config);
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

  ObjectMapper json() {
    return json;
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

  /** One object, or empty when it does not exist. */
  public <T> Optional<T> get(String path, Class<T> type) {
    HttpResponse<InputStream> r = send(timed(request(path, Map.of())).build());
    try (InputStream body = r.body()) {
      if (r.code() == HttpURLConnection.HTTP_NOT_FOUND) {
        return Optional.empty();
      }
      requireSuccess(r, body, "GET", path);
      return Optional.of(json.readValue(body, type));
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
      String path, Map<String, String> query, Class<T> type, Consumer<T> item) {
    HttpResponse<InputStream> r = send(timed(request(path, query)).build());
    try (InputStream body = withDeadline(r.body(), LIST_DEADLINE)) {
      requireSuccess(r, body, "GET", path);
      String resourceVersion = null;
      String next = null;
      try (JsonParser p = json.getFactory().createParser(body)) {
        expect(p.nextToken(), JsonToken.START_OBJECT, path);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          if ("metadata".equals(field) && value == JsonToken.START_OBJECT) {
            JsonNode meta = json.readTree(p);
            resourceVersion = text(meta, "resourceVersion");
            next = text(meta, "continue");
          } else if ("items".equals(field) && value == JsonToken.START_ARRAY) {
            // Anything but an object in the list is a broken answer, not its end: stopping there
            // would take the items after it for deleted.
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
              expect(t, JsonToken.START_OBJECT, path);
              item.accept(json.readValue(p, type));
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
      String path, Map<String, String> query, long pageSize, Class<T> type, Consumer<T> item) {
    String resourceVersion = null;
    String next = null;
    do {
      Map<String, String> q = new LinkedHashMap<>(query);
      q.put("limit", Long.toString(pageSize));
      if (next != null) {
        q.put("continue", next);
      }
      ListPage page = list(path, q, type, item);
      if (resourceVersion == null) {
        resourceVersion = page.resourceVersion();
      }
      next = page.next();
    } while (next != null && !Thread.currentThread().isInterrupted());
    return resourceVersion;
  }

  /** The resourceVersion of a list and the token of its next page (null on the last page). */
  public record ListPage(String resourceVersion, String next) {}

  /**
   * Opens a watch: the caller reads its events from the stream ({@link ListWatch}) and closes it.
   * No request timeout, but a deadline: the stream is closed after {@code deadline} whatever the
   * server does, so that a watch over a connection that died silently ends too.
   */
  InputStream watch(String path, Map<String, String> query, Duration deadline) {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.put("watch", "true");
    HttpResponse<InputStream> r = send(timed(request(path, q)).forStreaming().build());
    InputStream body = withDeadline(r.body(), deadline);
    if (r.code() >= 300) {
      try (body) {
        requireSuccess(r, body, "WATCH", path);
      } catch (IOException e) {
        throw new KubeApiException(r.code(), "WATCH " + path + ": " + e.getMessage(), e);
      }
    }
    return body;
  }

  /** The body, closed at the deadline unless the caller closes it first. */
  private InputStream withDeadline(InputStream body, Duration deadline) {
    ScheduledFuture<?> closer =
        deadlines.schedule(
            () -> {
              try {
                body.close();
              } catch (IOException e) {
                // Closing is all that is wanted; the reader sees the stream end or fail.
              }
            },
            deadline.toMillis(),
            TimeUnit.MILLISECONDS);
    return new FilterInputStream(body) {
      @Override
      public void close() throws IOException {
        closer.cancel(false);
        super.close();
      }
    };
  }

  /** Creates an object in its collection. */
  public void create(String collectionPath, Object object) {
    write("POST", collectionPath, JSON, object);
  }

  /** A JSON merge patch (RFC 7386): fields left null are left as they are. */
  public void mergePatch(String path, Object patch) {
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

  private void write(String method, String path, String contentType, Object body) {
    String text;
    try {
      text = json.writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HttpResponse<InputStream> r =
        send(timed(request(path, Map.of())).method(method, contentType, text).build());
    try (InputStream in = r.body()) {
      requireSuccess(r, in, method, path);
    } catch (IOException e) {
      throw new KubeApiException(0, method + " " + path + ": " + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder request(String path, Map<String, String> query) {
    StringBuilder uri = new StringBuilder(server).append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : query.entrySet()) {
      uri.append(sep)
          .append(e.getKey())
          .append('=')
          .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return http.newHttpRequestBuilder().uri(uri.toString()).header("Accept", JSON);
  }

  /**
   * The configured request timeout (fabric8's {@code requestTimeout}, 10 s by default) until the
   * response's headers: the HTTP client has none by default.
   */
  private HttpRequest.Builder timed(HttpRequest.Builder request) {
    return request.timeout(requestTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  private HttpResponse<InputStream> send(HttpRequest request) {
    try {
      return http.sendAsync(request, InputStream.class).get();
    } catch (InterruptedException e) {
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
    String message;
    try {
      JsonNode status = json.readTree(body.readNBytes(MAX_ERROR_BODY));
      message = status == null ? null : text(status, "message");
    } catch (IOException e) {
      message = null;
    }
    throw new KubeApiException(
        r.code(),
        method + " " + path + ": " + r.code() + (message == null ? "" : " " + message),
        null);
  }

  private static void expect(JsonToken actual, JsonToken wanted, String path) throws IOException {
    if (actual != wanted) {
      throw new IOException("unexpected JSON from " + path + ": " + actual);
    }
  }

  static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  @Override
  public void close() {
    deadlines.shutdownNow();
    http.close();
  }
}
