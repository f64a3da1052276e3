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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
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

  private final Config config;
  private final HttpClient http;
  private final String server;
  private final ObjectMapper json =
      new ObjectMapper()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private KubeApi(Config config) {
    this.config = config;
    this.http = HttpClientUtils.createHttpClient(config);
    String url = config.getMasterUrl();
    this.server = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** Connects as fabric8's {@link Config} says (in a pod: the pod's service account). */
  public static KubeApi connect(Config config) {
    return new KubeApi(config);
  }

  /** From the environment, as fabric8 finds it: in a pod, its service account. */
  public static KubeApi fromEnvironment() {
    return connect(Config.autoConfigure(null));
  }

  public Config config() {
    return config;
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
    HttpResponse<InputStream> r = send(request(path, Map.of()).build());
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
   * parsed, so a page is never in memory as a whole.
   *
   * @return the list's resourceVersion and the token of the next page (empty on the last)
   */
  public <T> ListPage list(
      String path, Map<String, String> query, Class<T> type, Consumer<T> item) {
    HttpResponse<InputStream> r = send(request(path, query).build());
    try (InputStream body = r.body()) {
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
            while (p.nextToken() == JsonToken.START_OBJECT) {
              item.accept(json.readValue(p, type));
            }
          } else {
            p.skipChildren();
          }
        }
      }
      return new ListPage(resourceVersion, next == null || next.isEmpty() ? null : next);
    } catch (IOException e) {
      throw new KubeApiException(0, "GET " + path + ": " + e.getMessage(), e);
    }
  }

  /** The resourceVersion of a list and the token of its next page (null on the last page). */
  public record ListPage(String resourceVersion, String next) {}

  /**
   * Opens a watch: the caller reads its events from the stream ({@link WatchEvents}) and closes it.
   * No request timeout: a watch stays open until the server ends it ({@code timeoutSeconds}).
   */
  InputStream watch(String path, Map<String, String> query) {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.put("watch", "true");
    HttpResponse<InputStream> r = send(request(path, q).forStreaming().build());
    InputStream body = r.body();
    if (r.code() >= 300) {
      try (body) {
        requireSuccess(r, body, "WATCH", path);
      } catch (IOException e) {
        throw new KubeApiException(r.code(), "WATCH " + path + ": " + e.getMessage(), e);
      }
    }
    return body;
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
        send(request(path, Map.of()).method(method, contentType, text).build());
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

  private HttpResponse<InputStream> send(HttpRequest request) {
    try {
      return http.sendAsync(request, InputStream.class).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubeApiException(0, request.method() + " " + request.uri() + ": interrupted", e);
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
      JsonNode status = json.readTree(body);
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
    http.close();
  }
}
