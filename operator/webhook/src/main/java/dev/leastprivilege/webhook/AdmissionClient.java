package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.webhook.tls.TrustedCa;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.UUID;
import javax.net.ssl.SSLContext;

/**
 * Sends AdmissionReviews the way the API server does: HTTPS, trusting only the CA given as
 * caBundle. Used by {@code lpo local}, which has no API server to do it, and by the benchmark's
 * load generator.
 */
public final class AdmissionClient {
  private final HttpClient http;
  private final URI url;

  public AdmissionClient(URI url, String caPem) throws GeneralSecurityException, IOException {
    SSLContext ssl = TrustedCa.context(caPem);
    this.url = url;
    this.http =
        HttpClient.newBuilder()
            .sslContext(ssl)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /**
   * An AdmissionReview for creating {@code pod} in {@code namespace}, as the API server would build
   * it.
   */
  public static ObjectNode createReview(JsonNode pod, String namespace) {
    return AdmissionReviews.podReview(
        UUID.randomUUID().toString(), "CREATE", "", namespace, pod, null);
  }

  /**
   * Posts a body and returns the raw response (status code and body), for callers that check
   * errors.
   */
  public HttpResponse<String> post(String body) throws IOException, InterruptedException {
    return http.send(request(body), HttpResponse.BodyHandlers.ofString());
  }

  public java.util.concurrent.CompletableFuture<HttpResponse<String>> postAsync(String body) {
    return http.sendAsync(request(body), HttpResponse.BodyHandlers.ofString());
  }

  /** The AdmissionReview's response object; fails on anything but a 200. */
  public JsonNode review(JsonNode review) throws IOException, InterruptedException {
    HttpResponse<String> r = post(review.toString());
    if (r.statusCode() != 200) {
      throw new IOException("webhook answered " + r.statusCode() + ": " + r.body());
    }
    return AdmissionReviews.JSON.readTree(r.body()).path("response");
  }

  private HttpRequest request(String body) {
    return HttpRequest.newBuilder(url)
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
