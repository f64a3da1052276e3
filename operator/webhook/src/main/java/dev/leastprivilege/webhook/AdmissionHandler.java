package dev.leastprivilege.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.leastprivilege.core.admission.AdmissionPlan;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /mutate-pods: one AdmissionReview in, one out. Pod CREATE and the UPDATE of the
 * pods/ephemeralcontainers subresource ({@code kubectl debug}) are planned; anything else the API
 * server sends (a misconfigured rule) is allowed unchanged. A body that is not an AdmissionReview
 * gets a 400 naming the field. Nothing here writes to the API server.
 */
final class AdmissionHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionHandler.class);

  /** The API server's own request limit is 3 MiB; more than that is not an AdmissionReview. */
  static final int MAX_BODY = 3 * 1024 * 1024 + 64 * 1024;

  private final MutationPlanner planner;
  private final PolicyCache cache;
  private final EphemeralUpdates ephemeral;
  private final Timer patched;
  private final Timer unchanged;
  private final Timer refused;
  private final Timer malformed;
  private final boolean warmUp;

  AdmissionHandler(
      MutationPlanner planner, PolicyCache cache, ClusterReads cluster, MeterRegistry registry) {
    this(planner, cache, cluster, registry, false);
  }

  /**
   * @param warmUp the warm-up's own handler ({@link WarmUp}): its refusals are of synthetic pods,
   *     not logged
   */
  AdmissionHandler(
      MutationPlanner planner,
      PolicyCache cache,
      ClusterReads cluster,
      MeterRegistry registry,
      boolean warmUp) {
    this.warmUp = warmUp;
    this.planner = planner;
    this.cache = cache;
    this.ephemeral = new EphemeralUpdates(cluster);
    this.patched = timer(registry, "patched");
    this.unchanged = timer(registry, "unchanged");
    this.refused = timer(registry, "refused");
    this.malformed = timer(registry, "malformed");
  }

  private static Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder("lpo_webhook_admission")
        .description("Time to answer one AdmissionReview")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .register(registry);
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
        LOG.warn(
            "refused a malformed AdmissionReview from {}: {}",
            exchange.getRemoteAddress(),
            e.getMessage());
        send(exchange, 400, error(e.getMessage()));
        return;
      }
      if (!request.podCreate() && !request.ephemeralContainersUpdate()) {
        timer = unchanged;
        send(exchange, 200, AdmissionReviews.allow(request.uid()));
        return;
      }
      if (!cache.ready()) {
        // Not an answer from an empty or too old view: a 503 lets the failurePolicy decide.
        LOG.warn("answered 503 to an admission: {}", cache.notReadyReason());
        send(exchange, 503, error(cache.notReadyReason()));
        return;
      }
      NamespacePolicies view = cache.forNamespace(request.namespace());
      AdmittedPod pod;
      try {
        if (request.podCreate()) {
          pod = AdmittedPod.of(request.object(), request.namespace());
        } else {
          EphemeralUpdates.Read read =
              ephemeral.read(request, planner.governs(request.namespace(), view));
          if (read.refusal() != null) {
            timer = refused;
            send(
                exchange,
                200,
                AdmissionReviews.answer(
                    request.uid(),
                    new AdmissionPlan(
                        false,
                        read.refusal(),
                        AdmissionReviews.JSON.createArrayNode(),
                        List.of())));
            return;
          }
          pod = read.pod();
        }
      } catch (IllegalArgumentException e) {
        send(exchange, 400, error(e.getMessage()));
        return;
      }
      AdmissionPlan plan = planner.plan(pod, view);
      timer = !plan.allowed() ? refused : plan.changes() ? patched : unchanged;
      if (!plan.allowed() && !warmUp) {
        LOG.info("refused pod {}/{}: {}", pod.namespace(), pod.name(), plan.message());
      }
      send(exchange, 200, AdmissionReviews.answer(request.uid(), plan));
    } finally {
      timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private static byte[] error(String message) {
    return AdmissionReviews.JSON
        .createObjectNode()
        .put("error", message)
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange exchange, int code, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(code, body.length);
    exchange.getResponseBody().write(body);
  }
}
