package dev.leastprivilege.controller.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.webhook.KeepAliveConnection;
import dev.leastprivilege.webhook.OpenLoopLoad;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The webhook's first seconds after it reports ready, as a rollout meets them: the webhook is
 * started as its Deployment starts it (its own JVM, {@code WebhookMain}, the chart's {@code
 * webhook.jvmOptions}, its policies listed from a real kube-apiserver), {@code /readyz} is polled
 * until it answers 200, and at that moment open-loop load starts ({@link OpenLoopLoad}, a typical
 * Deployment pod that a SeccompProfile and a CapabilityPolicy of 100 each select, at {@code
 * WEBHOOK_LOAD_RATE}/s, 500 by default, over the API server's 25 keep-alive connections). The p99
 * of the requests due in the first 30 s is compared with the p99 of a warm window later in the same
 * run (45 to 75 s), with the warm-up off and with the chart's default, and the no-op responder's
 * same windows (the same TLS server in a fresh JVM with the same flags, answering "allowed" without
 * reading the pod) are the baseline. Each variant is started afresh {@code starts} times
 * (interleaved), and medians are reported.
 *
 * <p>Arguments: starts (3), profiles and policies (100).
 */
public final class WebhookStartupLoad {
  static final Duration FIRST_FROM = Duration.ZERO;
  static final Duration FIRST_TO = Duration.ofSeconds(30);
  static final Duration WARM_FROM = Duration.ofSeconds(45);
  static final Duration WARM_TO = Duration.ofSeconds(75);
  static final String NS = "lpo-system";

  /** One fresh start's figures. */
  record Run(
      String variant,
      long readyMillis,
      OpenLoopLoad.Stats first,
      OpenLoopLoad.Stats warm,
      int connections,
      String warmUpLog) {
    double ratio() {
      return first.percentile(99) / warm.percentile(99);
    }
  }

  private WebhookStartupLoad() {}

  public static void main(String[] args) throws Exception {
    int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int objects = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rate = Integer.parseInt(System.getenv().getOrDefault("WEBHOOK_LOAD_RATE", "500"));
    String jvmOptions = chartJvmOptions();
    List<String> flags = Arrays.stream(jvmOptions.trim().split("\\s+")).toList();
    Path work = Files.createTempDirectory("lpo-webhook-startup-");
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("bench CA");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1"));
    Path certs = Files.createDirectories(work.resolve("tls"));
    Files.writeString(certs.resolve("tls.crt"), serving.certificate());
    Files.writeString(certs.resolve("tls.key"), serving.privateKey());
    byte[] body = OpenLoopLoad.review();
    Map<String, List<Run>> runs = new LinkedHashMap<>();
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), api.kubeconfig());
      ScaleBenchmark.namespace(client, NS);
      ScaleBenchmark.namespace(client, OpenLoopLoad.NAMESPACE);
      ScaleBenchmark.parallel(objects, i -> policies(client, i));
      System.out.printf(
          Locale.ROOT,
          "webhook start-up load: %d/s from the moment /readyz answers 200, windows %d-%d s and"
              + " %d-%d s, %d SeccompProfiles and %d CapabilityPolicies, JVM options %s, %d"
              + " cores, %d starts of each; logs in %s%n",
          rate,
          FIRST_FROM.toSeconds(),
          FIRST_TO.toSeconds(),
          WARM_FROM.toSeconds(),
          WARM_TO.toSeconds(),
          objects,
          objects,
          jvmOptions,
          Runtime.getRuntime().availableProcessors(),
          starts,
          work);
      Map<String, String> variants = new LinkedHashMap<>();
      variants.put("no-op responder", NoopWebhookMain.class.getName());
      variants.put("webhook, warm-up off", "dev.leastprivilege.controller.WebhookMain");
      variants.put("webhook, warm-up on (default)", "dev.leastprivilege.controller.WebhookMain");
      int n = 0;
      for (int start = 0; start < starts; start++) {
        for (var v : variants.entrySet()) {
          Map<String, String> env = new LinkedHashMap<>();
          env.put("KUBECONFIG", kubeconfig.toString());
          env.put("LPO_NAMESPACE", NS);
          env.put("LPO_WEBHOOK_CERT_DIR", certs.toString());
          env.put("LPO_WEBHOOK_PORT", Integer.toString(freePort()));
          env.put("HEALTH_PORT", Integer.toString(freePort()));
          if (v.getKey().contains("off")) {
            env.put("LPO_WEBHOOK_WARMUP_SECONDS", "0");
          }
          Path log = work.resolve("run-" + ++n + ".log");
          String load = Files.readString(Path.of("/proc/loadavg")).trim();
          Run run = once(v.getKey(), v.getValue(), flags, env, log, ca, body, rate);
          runs.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(run);
          System.out.printf(
              Locale.ROOT,
              "start %d, %s (load average before: %s): ready after %d ms; first 30 s p99 %.2f ms (p50 %.2f, max %.2f, %d"
                  + " errors); warm p99 %.2f ms (%d errors); ratio %.2f; %d connections%s%n",
              start + 1,
              v.getKey(),
              load,
              run.readyMillis(),
              run.first().percentile(99),
              run.first().percentile(50),
              run.first().max(),
              run.first().errors(),
              run.warm().percentile(99),
              run.warm().errors(),
              run.ratio(),
              run.connections(),
              run.warmUpLog().isEmpty() ? "" : "\n    " + run.warmUpLog());
        }
      }
    }
    System.out.println();
    System.out.println(
        "| server | ready after (ms) | first 30 s p99 (ms) | warm p99 (ms) | first / warm |"
            + " errors | runs (first / warm p99) |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (var e : runs.entrySet()) {
      List<Run> rs = e.getValue();
      int errors = rs.stream().mapToInt(r -> r.first().errors() + r.warm().errors()).sum();
      StringBuilder each = new StringBuilder();
      for (Run r : rs) {
        each.append(
            String.format(
                Locale.ROOT, "%.1f / %.1f; ", r.first().percentile(99), r.warm().percentile(99)));
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %.2f | %.2f | %.2f | %d | %s |%n",
          e.getKey(),
          (long) median(rs.stream().mapToDouble(Run::readyMillis).toArray()),
          median(rs.stream().mapToDouble(r -> r.first().percentile(99)).toArray()),
          median(rs.stream().mapToDouble(r -> r.warm().percentile(99)).toArray()),
          median(rs.stream().mapToDouble(Run::ratio).toArray()),
          errors,
          each.toString().trim());
    }
    for (var e : runs.entrySet()) {
      double ratio = median(e.getValue().stream().mapToDouble(Run::ratio).toArray());
      System.out.printf(
          Locale.ROOT,
          "%s: first-30-s p99 / warm p99, median of %d starts: %.2f (target: at most 2): %s%n",
          e.getKey(),
          e.getValue().size(),
          ratio,
          ratio <= 2 ? "met" : "NOT met");
    }
  }

  private static Run once(
      String variant,
      String main,
      List<String> flags,
      Map<String, String> env,
      Path log,
      CertificateIssuer.Issued ca,
      byte[] body,
      int rate)
      throws Exception {
    long started = System.nanoTime();
    // The webhook from its launcher, as the image runs it; the no-op responder is this benchmark's
    // own class, so it runs on the test classpath.
    String classpath =
        main.equals(NoopWebhookMain.class.getName())
            ? System.getProperty("java.class.path")
            : ChildJvm.operatorClasspath();
    try (ChildJvm jvm = new ChildJvm(main, classpath, flags, env, log)) {
      URI readyz = URI.create("http://127.0.0.1:" + env.get("HEALTH_PORT") + "/readyz");
      while (!ready(readyz)) {
        if (!jvm.process.isAlive()) {
          throw new IllegalStateException(variant + " exited; see " + log);
        }
        if (System.nanoTime() - started > Duration.ofMinutes(2).toNanos()) {
          throw new IllegalStateException(variant + " not ready after 2 minutes; see " + log);
        }
        Thread.sleep(10);
      }
      long readyMillis = (System.nanoTime() - started) / 1_000_000;
      OpenLoopLoad.Recording r =
          OpenLoopLoad.run(
              new KeepAliveConnection.Target(
                  new InetSocketAddress("127.0.0.1", Integer.parseInt(env.get("LPO_WEBHOOK_PORT"))),
                  ca.certificate()),
              WebhookServer.PATH,
              body,
              OpenLoopLoad::admitted,
              rate,
              WARM_TO,
              OpenLoopLoad.API_SERVER_POOL);
      String warmUp =
          Files.readAllLines(log).stream()
              .filter(l -> l.contains("webhook warmed up") || l.contains("warm-up failed"))
              .findFirst()
              .orElse("")
              .replaceAll("^.*?(webhook warm)", "$1");
      return new Run(
          variant,
          readyMillis,
          r.window(FIRST_FROM, FIRST_TO),
          r.window(WARM_FROM, WARM_TO),
          r.connectionsOpened(),
          warmUp);
    }
  }

  private static boolean ready(URI readyz) {
    try {
      HttpURLConnection c = (HttpURLConnection) readyz.toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(500);
      try {
        return c.getResponseCode() == 200;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  /** The i-th SeccompProfile and CapabilityPolicy; the first of each selects the load's pod. */
  private static void policies(KubernetesClient client, int i) {
    PodSelector s = new PodSelector();
    s.getMatchLabels().put("app", i == 0 ? "web" : "app-" + i);
    SeccompProfile p = ScaleBenchmark.profile(OpenLoopLoad.NAMESPACE, "profile-" + i, i);
    p.getSpec().setPodSelector(s);
    p.getSpec().setMode(Mode.Enforce);
    SeccompProfile created = client.resource(p).create();
    SeccompProfileStatus status = new SeccompProfileStatus();
    status.setObservedGeneration(created.getMetadata().getGeneration());
    status.setPhase(ProfilePhase.Installed);
    status.setContentHash("sha256:" + "0".repeat(63) + (i % 10));
    created.setStatus(status);
    client.resource(created).updateStatus();
    CapabilityPolicySpec spec = new CapabilityPolicySpec();
    spec.setPodSelector(s);
    spec.setMode(Mode.Enforce);
    spec.setAdd(new ArrayList<>(List.of("NET_BIND_SERVICE")));
    spec.setAllowed(new ArrayList<>(List.of("CHOWN")));
    CapabilityPolicy policy = new CapabilityPolicy();
    policy.setMetadata(
        new ObjectMetaBuilder()
            .withName("policy-" + i)
            .withNamespace(OpenLoopLoad.NAMESPACE)
            .build());
    policy.setSpec(spec);
    client.resource(policy).create();
  }

  /** webhook.jvmOptions from the chart's values.yaml, as the Deployment passes them. */
  static String chartJvmOptions() throws IOException {
    JsonNode values =
        new ObjectMapper(new YAMLFactory())
            .readTree(
                Path.of("..", "..", "helm", "least-privilege-operator", "values.yaml").toFile());
    String options = values.path("webhook").path("jvmOptions").asText("");
    if (options.isBlank()) {
      throw new IllegalStateException("values.yaml: webhook.jvmOptions is empty");
    }
    return options;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
