package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.leastprivilege.core.admission.AdmissionPlan;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.MutationPlanner;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /mutate-pods: one AdmissionReview in, one out. Pod CREATE and the UPDATE of the pods/ephemeralcontainers
 * subresource ({@code kubectl debug}) are planned; anything else the API server sends (a misconfigured rule) is
 * allowed unchanged. A body that is not an AdmissionReview gets a 400 naming the
 * field. Nothing here writes to the API server.
 */
final class AdmissionHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);
  /** The API server's own request limit is 3 MiB; more than that is not an AdmissionReview. */
  static final int MAX_BODY = 3 * 1024 * 1024 + 64 * 1024;
  private final MutationPlanner planner;
  private final PolicyCache cache;
  private final ClusterReads cluster;
  private final Timer patched;
  private final Timer unchanged;
  private final Timer refused;
  private final Timer malformed;

  AdmissionHandler(MutationPlanner planner, PolicyCache cache, ClusterReads cluster, MeterRegistry registry) {
    this.planner = planner;
    this.cache = cache;
    this.cluster = cluster;
    this.patched = timer(registry, "patched");
    this.unchanged = timer(registry, "unchanged");
    this.refused = timer(registry, "refused");
    this.malformed = timer(registry, "malformed");
  }

  private static Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder("lpo_webhook_admission").description("Time to answer one AdmissionReview")
        .tag("outcome", outcome).publishPercentileHistogram().register(registry);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    long start = System.nanoTime();
    Timer timer = malformed;
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        send(exchange, 405, error("use POST with an AdmissionReview"));
        return;
      }
      AdmissionReviews.Request request;
      try (InputStream body = new LimitedInputStream(exchange.getRequestBody(), MAX_BODY)) {
        request = AdmissionReviews.read(body);
      } catch (AdmissionReviews.Malformed | LimitedInputStream.TooLarge e) {
        LOG.warn("refused a malformed AdmissionReview from {}: {}", exchange.getRemoteAddress(), e.getMessage());
        send(exchange, 400, error(e.getMessage()));
        return;
      }
      if (!request.podCreate() && !request.ephemeralContainersUpdate()) {
        timer = unchanged;
        send(exchange, 200, AdmissionReviews.allow(request.uid()));
        return;
      }
      Optional<JsonNode> stored = request.podCreate() ? Optional.empty() : storedMetadata(request);
      if (request.ephemeralContainersUpdate() && stored.isEmpty()) {
        timer = refused;
        send(exchange, 200, AdmissionReviews.answer(request.uid(), new AdmissionPlan(false, "cannot read pod "
            + request.namespace() + "/" + request.object().path("metadata").path("name").asText() + " to tell which"
            + " SeccompProfiles and CapabilityPolicies select its new ephemeral containers; try again",
            AdmissionReviews.JSON.createArrayNode(), List.of())));
        return;
      }
      AdmittedPod pod;
      try {
        pod = request.podCreate() ? AdmittedPod.of(request.object(), request.namespace())
            : AdmittedPod.ofEphemeralUpdate(request.object(), request.oldObject(), stored.get(),
                ephemeralSecurityContextAllowed(request), request.namespace());
      } catch (IllegalArgumentException e) {
        send(exchange, 400, error(e.getMessage()));
        return;
      }
      AdmissionPlan plan = planner.plan(pod, cache.forNamespace(request.namespace()));
      timer = !plan.allowed() ? refused : plan.changes() ? patched : unchanged;
      if (!plan.allowed()) {
        LOG.info("refused pod {}/{}: {}", pod.namespace(), pod.name(), plan.message());
      }
      send(exchange, 200, AdmissionReviews.answer(request.uid(), plan));
    } finally {
      timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /**
   * The labels and annotations that decide what selects new ephemeral containers: those of the stored pod, which
   * a Pod-shaped oldObject is (1.22 and later); an EphemeralContainers body (1.16 to 1.21) has none, so the pod is
   * read.
   */
  private Optional<JsonNode> storedMetadata(AdmissionReviews.Request request) {
    if (request.oldObject().has("spec")) {
      return Optional.of(request.oldObject().path("metadata"));
    }
    JsonNode meta = request.object().path("metadata");
    // The same pod, not one re-created under its name since the request was made.
    String uid = meta.path("uid").asText("");
    return cluster.podMetadata(request.namespace(), meta.path("name").asText())
        .filter(stored -> uid.isEmpty() || uid.equals(stored.path("uid").asText()));
  }

  /**
   * Kubernetes 1.20 refuses a securityContext on an ephemeral container (1.21 allows it), so there the planner
   * refuses what it would otherwise patch. A Pod-shaped body means 1.22 or later; an EphemeralContainers body
   * means 1.16 to 1.21, and only the server's version tells which.
   */
  private boolean ephemeralSecurityContextAllowed(AdmissionReviews.Request request) {
    return request.object().has("spec") || cluster.minorVersion().orElse(0) >= 21;
  }

  private static byte[] error(String message) {
    return AdmissionReviews.JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int code, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, body.length);
    exchange.getResponseBody().write(body);
  }
}
