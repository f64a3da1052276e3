package dev.leastprivilege.bench;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.webhook.KeepAliveConnection;
import dev.leastprivilege.webhook.OpenLoopLoad;
import dev.leastprivilege.webhook.PolicyCache;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Open-loop load on the webhook ({@link OpenLoopLoad}): AdmissionReviews sent at a fixed rate over
 * HTTPS on a fixed pool of {@link OpenLoopLoad#API_SERVER_POOL} keep-alive HTTP/1.1 connections, as
 * the API server sends them, latency measured from each request's due time so a stall is not
 * hidden. In the same run the same TLS server with a handler that answers "allowed" without reading
 * the pod is the baseline; at each rate the baseline must hold (no errors, p99 within {@link
 * #BASELINE_P99_BOUND_MS} ms) for the webhook's figure to be compared with it, which shows that the
 * generator, not only the server, keeps up on this machine.
 *
 * <p>Usage: java -cp benchmarks.jar dev.leastprivilege.bench.WebhookLoad [seconds] [rate...]
 * (default: 60 500 1000 2000)
 */
public final class WebhookLoad {
  /**
   * The no-op responder's p99 above which a rate is not measurable on this machine: twice the
   * webhook's 5 ms target. Above it the generator and the TLS stack themselves are the limit, and a
   * comparison with the webhook would say nothing about the webhook.
   */
  static final double BASELINE_P99_BOUND_MS = 10;

  private WebhookLoad() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    List<Integer> rates =
        args.length > 1
            ? Arrays.stream(args).skip(1).map(Integer::parseInt).toList()
            : List.of(500, 1000, 2000);
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("bench CA");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1"));
    ReloadingKeyManager keys =
        new ReloadingKeyManager(
            KeyMaterial.fixed(serving.certificate(), serving.privateKey(), "bench"));
    keys.refresh();
    NamespacePolicies loaded = policies();
    PolicyCache cache =
        new PolicyCache() {
          public NamespacePolicies forNamespace(String namespace) {
            return loaded;
          }

          public boolean ready() {
            return true;
          }
        };
    byte[] allow =
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":\"x\",\"allowed\":true}}"
            .getBytes(StandardCharsets.UTF_8);
    try (WebhookServer webhook =
            WebhookServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                keys,
                new MutationPlanner("lpo-system"),
                cache,
                dev.leastprivilege.webhook.ClusterReads.none(),
                new SimpleMeterRegistry());
        WebhookServer noop =
            WebhookServer.start(
                new InetSocketAddress("127.0.0.1", 0),
                keys,
                exchange -> {
                  try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    exchange.sendResponseHeaders(200, allow.length);
                    exchange.getResponseBody().write(allow);
                  }
                })) {
      byte[] body = OpenLoopLoad.review();
      System.out.printf(
          "webhook load: %d s per run, %d SeccompProfiles and %d CapabilityPolicies loaded, %d"
              + " cores, %d keep-alive connections%n",
          seconds,
          loaded.profiles().size(),
          loaded.policies().size(),
          Runtime.getRuntime().availableProcessors(),
          OpenLoopLoad.API_SERVER_POOL);
      System.out.println(
          "| rate (req/s) | server | p50 (ms) | p99 (ms) | max (ms) | errors | connections |");
      System.out.println("|---|---|---|---|---|---|---|");
      List<String> verdicts = new ArrayList<>();
      for (int rate : rates) {
        Map<String, OpenLoopLoad.Stats> measured = new java.util.LinkedHashMap<>();
        for (var target :
            List.of(Map.entry("no-op baseline", noop), Map.entry("webhook", webhook))) {
          KeepAliveConnection.Target to =
              new KeepAliveConnection.Target(
                  new InetSocketAddress("127.0.0.1", target.getValue().port()), ca.certificate());
          // warm-up: JIT, connections
          run(to, body, rate, Math.min(5, seconds));
          OpenLoopLoad.Recording r = run(to, body, rate, seconds);
          OpenLoopLoad.Stats all = r.all();
          measured.put(target.getKey(), all);
          System.out.printf(
              Locale.ROOT,
              "| %d | %s | %.2f | %.2f | %.2f | %d | %d |%n",
              rate,
              target.getKey(),
              all.percentile(50),
              all.percentile(99),
              all.max(),
              all.errors(),
              r.connectionsOpened());
        }
        OpenLoopLoad.Stats base = measured.get("no-op baseline");
        OpenLoopLoad.Stats hook = measured.get("webhook");
        boolean holds = base.errors() == 0 && base.percentile(99) <= BASELINE_P99_BOUND_MS;
        verdicts.add(
            String.format(
                Locale.ROOT,
                "%d/s: the no-op baseline %s (p99 %.2f ms, %d errors; bound %.0f ms, no errors)%s",
                rate,
                holds ? "holds" : "does NOT hold, so the webhook's figure is not compared",
                base.percentile(99),
                base.errors(),
                BASELINE_P99_BOUND_MS,
                holds
                    ? String.format(
                        Locale.ROOT,
                        "; webhook p99 %.2f ms = %.2f× the baseline's, %d errors",
                        hook.percentile(99),
                        hook.percentile(99) / base.percentile(99),
                        hook.errors())
                    : ""));
      }
      verdicts.forEach(System.out::println);
    }
  }

  private static OpenLoopLoad.Recording run(
      KeepAliveConnection.Target target, byte[] body, int rate, int seconds)
      throws InterruptedException {
    return OpenLoopLoad.run(
        target,
        WebhookServer.PATH,
        body,
        OpenLoopLoad::admitted,
        rate,
        Duration.ofSeconds(seconds),
        OpenLoopLoad.API_SERVER_POOL);
  }

  /**
   * 100 profiles and 100 policies in the pod's namespace, one of each selecting it, as the target
   * asks.
   */
  public static NamespacePolicies policies() {
    List<ProfileCandidate> profiles = new ArrayList<>();
    List<PolicyCandidate> policies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      PodSelector s = new PodSelector();
      s.getMatchLabels().put("app", i == 0 ? "web" : "app-" + i);
      profiles.add(
          new ProfileCandidate(
              new ProfileRef("bench", "profile-" + i),
              s,
              List.of(),
              Mode.Enforce,
              true,
              "Installed"));
      CapabilityPolicySpec spec = new CapabilityPolicySpec();
      spec.setPodSelector(s);
      spec.setAdd(new ArrayList<>(List.of("NET_BIND_SERVICE")));
      spec.setAllowed(new ArrayList<>(List.of("CHOWN")));
      policies.add(PolicyCandidate.of("policy-" + i, spec));
    }
    return new NamespacePolicies(Map.of(), profiles, policies);
  }
}
