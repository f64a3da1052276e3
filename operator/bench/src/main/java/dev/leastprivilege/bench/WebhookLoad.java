package dev.leastprivilege.bench;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.webhook.AdmissionClient;
import dev.leastprivilege.webhook.PolicyCache;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open-loop load on the webhook: AdmissionReviews sent at a fixed rate over HTTPS (keep-alive, as
 * the API server sends them), latency measured from each request's scheduled send time so a stall
 * is not hidden. In the same run the same TLS server with a handler that answers "allowed" without
 * reading the pod is the baseline.
 *
 * <p>Usage: java -cp benchmarks.jar dev.leastprivilege.bench.WebhookLoad [seconds] [rate...]
 * (default: 60 500 2000)
 */
public final class WebhookLoad {
  /** A typical Deployment's pod: labels, env, probes, resources, one container asking for CHOWN. */
  static final String POD =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-7d9f8b-","namespace":"bench",
       "labels":{"app":"web","pod-template-hash":"7d9f8b"},
       "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b","uid":"0b6c","controller":true}]},
       "spec":{"containers":[{"name":"web","image":"registry.example/web:1.4.2","ports":[{"containerPort":80}],
         "env":[{"name":"MODE","value":"production"},{"name":"LOG_LEVEL","value":"info"}],
         "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},
         "readinessProbe":{"httpGet":{"path":"/healthz","port":80},"periodSeconds":5},
         "securityContext":{"runAsUser":1000,"capabilities":{"add":["CHOWN"]}}}],
        "serviceAccountName":"default","terminationGracePeriodSeconds":30}}
      """;

  private WebhookLoad() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    List<Integer> rates =
        args.length > 1
            ? Arrays.stream(args).skip(1).map(Integer::parseInt).toList()
            : List.of(500, 2000);
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
      String body =
          AdmissionClient.createReview(
                  new com.fasterxml.jackson.databind.ObjectMapper().readTree(POD), "bench")
              .toString();
      System.out.printf(
          "webhook load: %d s per run, %d SeccompProfiles and %d CapabilityPolicies loaded, %d cores%n",
          seconds,
          loaded.profiles().size(),
          loaded.policies().size(),
          Runtime.getRuntime().availableProcessors());
      System.out.println("| rate (req/s) | server | p50 (ms) | p99 (ms) | max (ms) | errors |");
      System.out.println("|---|---|---|---|---|---|");
      for (int rate : rates) {
        for (var target :
            List.of(Map.entry("no-op baseline", noop), Map.entry("webhook", webhook))) {
          URI url =
              URI.create("https://127.0.0.1:" + target.getValue().port() + WebhookServer.PATH);
          AdmissionClient client = new AdmissionClient(url, ca.certificate());
          run(client, body, rate, Math.min(5, seconds)); // warm-up: JIT, connections
          Result r = run(client, body, rate, seconds);
          System.out.printf(
              "| %d | %s | %.2f | %.2f | %.2f | %d |%n",
              rate, target.getKey(), r.percentile(50), r.percentile(99), r.max(), r.errors());
        }
      }
    }
  }

  record Result(long[] nanos, int errors) {
    double percentile(double p) {
      return nanos.length == 0
          ? Double.NaN
          : nanos[(int) Math.min(nanos.length - 1, Math.ceil(p / 100 * nanos.length) - 1)] / 1e6;
    }

    double max() {
      return nanos.length == 0 ? Double.NaN : nanos[nanos.length - 1] / 1e6;
    }
  }

  private static Result run(AdmissionClient client, String body, int rate, int seconds)
      throws Exception {
    int total = rate * seconds;
    long[] latencies = new long[total];
    AtomicInteger errors = new AtomicInteger();
    List<CompletableFuture<?>> pending = new ArrayList<>(total);
    ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime();
    long interval = 1_000_000_000L / rate;
    CompletableFuture<Void> sent = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    clock.scheduleAtFixedRate(
        () -> {
          // Catch up on every request due by now, each timed from when it was due.
          long now = System.nanoTime();
          while (next.get() < total && start + next.get() * interval <= now) {
            int i = next.getAndIncrement();
            long due = start + i * interval;
            pending.add(
                client
                    .postAsync(body)
                    .whenComplete(
                        (resp, err) -> {
                          latencies[i] = System.nanoTime() - due;
                          if (err != null
                              || resp.statusCode() != 200
                              || !resp.body().contains("\"allowed\":true")) {
                            errors.incrementAndGet();
                          }
                        }));
          }
          if (next.get() >= total) {
            sent.complete(null);
          }
        },
        0,
        1,
        TimeUnit.MILLISECONDS);
    sent.get();
    clock.shutdownNow();
    CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
        .exceptionally(e -> null)
        .get();
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    return new Result(sorted, errors.get());
  }

  /**
   * 100 profiles and 100 policies in the pod's namespace, one of each selecting it, as the target
   * asks.
   */
  private static NamespacePolicies policies() {
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
