package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.AgentPods;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.controller.bench.FleetDesign.Op;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.render.RenderedProfile;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * Load generator (not a test; see docs/performance.md): what the nodes' reports cost the API server
 * and the operator, for three report designs side by side in one run, against a real kube-apiserver
 * and etcd ({@link RealApiServer}: the pinned version, or binaries given by path), with a simulated
 * fleet of N nodes and P profiles installed everywhere.
 *
 * <ul>
 *   <li>NEW: one NodeProfileStatus per node of constant size (applied revision, counts, bounded
 *       failures), the real operator folding them ({@link NewDesignFleet});
 *   <li>TODAY: the earlier shape, one object per node listing every profile with its hash ({@link
 *       LegacyDesignFleet});
 *   <li>SPO: one object per profile per node, as the Security Profiles Operator's daemon writes
 *       them ({@link SpoDesignFleet}).
 * </ul>
 *
 * <p>For one profile create, update and delete it measures what the API server receives from the
 * simulated nodes' reporting (requests, JSON bodies, TLS bytes through a counting proxy), what the
 * watch on the reports delivers to the operator or watcher (the API server's watch-event sizes, and
 * TLS bytes through a second proxy), and the time until the profile's state is exact. It also
 * counts the report objects and their size, derives bytes per change as a function of N and P, and
 * measures the operator's heap with 5,000 NodeProfileStatus objects against a baseline with none.
 *
 * <p>Arguments: nodes (500), profiles (200), repeats (3), SPO profiles installed beforehand
 * (min(profiles, 5)), NodeProfileStatus objects for the heap measurement (5000).
 */
public final class FleetBenchmark {
  static final String NS = ScaleBenchmark.NS;
  static final String PROFILES = "fleet";
  static final String SPO_PROFILES = "fleet-spo";
  private static final Duration EXACT_TIMEOUT = Duration.ofMinutes(10);
  private static final long START = System.nanoTime();

  /**
   * The default P: 200, not 1,000, so that a run at 500 nodes stays within about 15 minutes on 2
   * cores (see main).
   */
  static final int DEFAULT_PROFILES = 200;

  private FleetBenchmark() {}

  /** One measured change. */
  record Sample(
      String design,
      Op op,
      int rep,
      Map<String, Tally.Count> requests,
      double apiRequests,
      CountingProxy.Counts reporters,
      WatchCount.Counts watched,
      CountingProxy.Counts watcher,
      CountingProxy.Counts operator,
      CountingProxy.Counts nodeWatch,
      double exactSeconds,
      double afterPublishSeconds) {}

  public static void main(String[] args) throws Exception {
    int n = arg(args, 0, 500);
    int p = arg(args, 1, DEFAULT_PROFILES);
    int repeats = arg(args, 2, 3);
    int spoProfiles = arg(args, 3, Math.min(p, 5));
    int heapReports = arg(args, 4, 5000);
    List<String> nodes =
        IntStream.range(0, n).mapToObj(i -> String.format("node-%05d", i)).toList();
    say(
        "fleet benchmark: N=%d nodes, P=%d profiles, %d repetitions; SPO with %d profiles"
            + " installed beforehand; heap with %d NodeProfileStatus objects",
        n, p, repeats, spoProfiles, heapReports);
    if (p < 1000) {
      say(
          "P is %d, not 1,000: at 500 nodes x 1,000 profiles each change of the earlier design"
              + " (TODAY) moves 66 MiB and took 1 to 4 minutes on a 2-core machine, which puts the"
              + " run over 30 minutes; its cost is linear in P (see the formulas at the end)",
          p);
    }
    Path work = Files.createTempDirectory("lpo-fleet-");
    say("logs in %s", work);
    List<Sample> samples = new ArrayList<>();
    Map<String, FleetDesign.ReportObjects> objects = new LinkedHashMap<>();
    Map<String, Double> constants = new LinkedHashMap<>();
    double[] heap;
    ScheduledExecutorService pool = new ScheduledThreadPoolExecutor(4);
    ExecutorService writers = Executors.newFixedThreadPool(8);
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient admin = api.client();
        CountingProxy reportsProxy = new CountingProxy("reports", apiPort(api));
        CountingProxy operatorProxy = new CountingProxy("operator", apiPort(api));
        CountingProxy watcherProxy = new CountingProxy("watcher", apiPort(api));
        CountingProxy nodeWatchProxy = new CountingProxy("node-watch", apiPort(api));
        KubernetesClient reporter = via(api, reportsProxy);
        KubernetesClient watcher = via(api, watcherProxy);
        KubernetesClient nodeWatch = via(api, nodeWatchProxy)) {
      ApiServerMetrics metrics = new ApiServerMetrics(admin);
      BenchReports.register(admin);
      ScaleBenchmark.namespace(admin, NS);
      ScaleBenchmark.namespace(admin, PROFILES);
      ScaleBenchmark.namespace(admin, SPO_PROFILES);
      parallel(
          writers,
          n,
          i ->
              admin
                  .resource(
                      new NodeBuilder()
                          .withNewMetadata()
                          .withName(nodes.get(i))
                          .endMetadata()
                          .build())
                  .create());
      // Each simulated node has its agent pod, as the DaemonSet would: the nodes that count.
      parallel(writers, n, i -> AgentPods.place(admin, NS, nodes.get(i)));
      say("%d Node objects created", n);
      Measurer measurer =
          new Measurer(metrics, reportsProxy, nodeWatchProxy, samples, repeats, nodes.size());

      // NEW: the real operator, through its own counting proxy.
      Path kubeconfig =
          Files.writeString(
              work.resolve("operator-kubeconfig"),
              api.kubeconfig()
                  .replaceAll(
                      "server: https://127\\.0\\.0\\.1:\\d+",
                      "server: https://127.0.0.1:" + operatorProxy.port()));
      Map<String, String> env =
          Map.of(
              "KUBECONFIG", kubeconfig.toString(),
              "LPO_NAMESPACE", NS,
              "LPO_LEADER_ELECTION", "false",
              "HEALTH_PORT", "0",
              "LPO_WEBHOOK_PORT", "0");
      // The operator's heap with the reports alone: before any profile exists.
      try (ChildJvm operator = operator(env, work.resolve("operator-1.log"))) {
        heap = heap(admin, operator, writers, heapReports, p);
        parallel(
            writers,
            p,
            i ->
                admin
                    .resource(
                        ScaleBenchmark.profile(PROFILES, String.format("app-profile-%05d", i), i))
                    .create());
        say("%d SeccompProfiles created; waiting for the operator to publish them", p);
        waitFor(
            () -> alive(operator) && publishedConfigMaps(admin) >= p,
            Duration.ofMinutes(10),
            "publish");
      }
      // The agents' first reports come while the operator is down, so that setting up does not
      // fold every profile again for each node's first report; then it starts again.
      say("published; operator stopped; starting %d simulated agents", n);
      try (NewDesignFleet fleet =
          new NewDesignFleet(reporter, nodeWatch, watcher, admin, NS, PROFILES, nodes, pool)) {
        fleet.start();
        say("every simulated agent reported; operator started again");
        try (ChildJvm operator = operator(env, work.resolve("operator-2.log"))) {
          waitFor(
              () -> alive(operator) && installedProfiles(admin, n) >= p,
              Duration.ofMinutes(10),
              "Installed statuses");
          say("all %d profiles Installed on %d nodes", p, n);
          measurer.run(fleet, watcherProxy, operatorProxy);
        }
        objects.put(fleet.name(), fleet.reportObjects(admin));
        constants.put("NEW write failures", (double) fleet.writeFailures());
      }

      // TODAY: no operator; the watcher has its own proxy.
      try (LegacyDesignFleet fleet =
          new LegacyDesignFleet(reporter, nodeWatch, watcher, admin, NS, PROFILES, nodes, pool)) {
        say("TODAY: starting %d simulated nodes (full list of %d profiles each)", n, p);
        fleet.start();
        say("every simulated node reported");
        measurer.run(fleet, watcherProxy, null);
        objects.put(fleet.name(), fleet.reportObjects(admin));
        constants.put("TODAY entry JSON", fleet.entryJsonBytes());
        constants.put("TODAY write failures", (double) fleet.writeFailures());
      }

      // SPO: no operator; the watcher has its own proxy.
      try (SpoDesignFleet fleet =
          new SpoDesignFleet(reporter, nodeWatch, watcher, admin, SPO_PROFILES, nodes, pool)) {
        say("SPO: writing %d profiles x %d nodes installed (not measured)", spoProfiles, n);
        fleet.prepopulate(spoProfiles, writers);
        fleet.start();
        say("SPO daemons settled");
        measurer.run(fleet, watcherProxy, null);
        objects.put(fleet.name(), fleet.reportObjects(admin));
        double[] fit = fleet.profileUpdateFit();
        constants.put("SPO profile update fixed", fit[0]);
        constants.put("SPO profile update per finalizer", fit[1]);
      }
    } finally {
      pool.shutdownNow();
      writers.shutdownNow();
    }
    Report.print(samples, objects, heap, n, p, spoProfiles, heapReports, constants);
    say("done in %.0f s", seconds(START));
  }

  /** Runs the repetitions of one design. */
  static final class Measurer {
    private final ApiServerMetrics metrics;
    private final CountingProxy reporters;
    private final CountingProxy nodeWatch;
    private final List<Sample> samples;
    private final int repeats;
    private final int nodes;

    Measurer(
        ApiServerMetrics metrics,
        CountingProxy reporters,
        CountingProxy nodeWatch,
        List<Sample> samples,
        int repeats,
        int nodes) {
      this.metrics = metrics;
      this.reporters = reporters;
      this.nodeWatch = nodeWatch;
      this.samples = samples;
      this.repeats = repeats;
      this.nodes = nodes;
    }

    void run(FleetDesign design, CountingProxy watcher, CountingProxy operator) throws Exception {
      for (int rep = 1; rep <= repeats; rep++) {
        for (Op op : Op.values()) {
          Sample s = measure(design, op, rep, watcher, operator);
          samples.add(s);
          say(
              "%-5s %-6s #%d: %s; to API %s TLS; watch %s JSON (%s TLS); exact after %s",
              s.design(),
              op,
              rep,
              describe(s.requests()),
              bytes(s.reporters().toServer()),
              bytes(s.watched().jsonBytes()),
              bytes(s.watcher().fromServer()),
              s.exactSeconds() < 0
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.2f s", s.exactSeconds()));
        }
      }
    }

    private Sample measure(
        FleetDesign design, Op op, int rep, CountingProxy watcher, CountingProxy operator)
        throws Exception {
      awaitQuiet(design, watcher, operator);
      Map<String, Tally.Count> t0 = design.tally().snapshot();
      WatchCount.Counts e0 = design.watched().counts();
      CountingProxy.Counts r0 = reporters.counts();
      CountingProxy.Counts w0 = watcher.counts();
      CountingProxy.Counts o0 = operator == null ? null : operator.counts();
      CountingProxy.Counts n0 = nodeWatch.counts();
      ApiServerMetrics.Snapshot m0 = metrics.read();
      long start = System.nanoTime();
      design.trigger(op, rep);
      long exact = design.awaitExact(EXACT_TIMEOUT);
      long seen = design.publishSeen();
      awaitQuiet(design, watcher, operator);
      ApiServerMetrics.Snapshot m1 = metrics.read();
      Map<String, Tally.Count> requests = Tally.minus(design.tally().snapshot(), t0);
      double apiRequests =
          m1.delta(m0, ApiServerMetrics.requests(design.reportResource()))
              + (design.name().equals("SPO")
                  ? m1.delta(m0, ApiServerMetrics.requests("seccompprofiles", "PUT"))
                  : 0);
      return new Sample(
          design.name(),
          op,
          rep,
          requests,
          apiRequests,
          reporters.counts().minus(r0),
          design.watched().counts().minus(e0),
          watcher.counts().minus(w0),
          operator == null ? null : operator.counts().minus(o0),
          nodeWatch.counts().minus(n0),
          exact < 0 ? -1 : (exact - start) / 1e9,
          exact < 0 || seen == 0 ? -1 : (exact - seen) / 1e9);
    }

    /**
     * Until no report write is pending and the counted connections have been silent for 1 s (at
     * most 2 minutes: a watch bookmark may interrupt the silence).
     */
    private void awaitQuiet(FleetDesign design, CountingProxy watcher, CountingProxy operator)
        throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      long stableSince = System.nanoTime();
      long last = -1;
      while (System.nanoTime() < deadline) {
        long now =
            reporters.counts().toServer()
                + reporters.counts().fromServer()
                + watcher.counts().fromServer()
                + nodeWatch.counts().fromServer()
                + (operator == null ? 0 : operator.counts().toServer())
                + Tally.requests(design.tally().snapshot());
        if (!design.quiet() || now != last) {
          last = now;
          stableSince = System.nanoTime();
        } else if (System.nanoTime() - stableSince > 1_000_000_000L) {
          return;
        }
        Thread.sleep(100);
      }
      say("(still not quiet after 2 minutes; measuring anyway)");
    }
  }

  /**
   * The operator's heap after a full GC with no NodeProfileStatus, then with {@code count} of them
   * in the new shape (written once, no live agents), before any profile exists: medians of three
   * readings each. The reports are deleted again afterwards.
   */
  private static double[] heap(
      KubernetesClient admin, ChildJvm operator, ExecutorService writers, int count, int profiles)
      throws Exception {
    settle(operator);
    double empty = median(operator);
    say("operator heap after GC with no NodeProfileStatus: %.1f MiB", empty);
    String revision =
        admin
            .configMaps()
            .inNamespace(NS)
            .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
            .list()
            .getMetadata()
            .getResourceVersion();
    parallel(
        writers,
        count,
        i -> {
          String node = String.format("heap-node-%05d", i);
          NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
          spec.setNodeName(node);
          NodeProfileStatus nps = new NodeProfileStatus();
          nps.setMetadata(new ObjectMetaBuilder().withName(node).build());
          nps.setSpec(spec);
          admin.resource(nps).create();
          NodeProfileStatusStatus status = new NodeProfileStatusStatus();
          status.setAppliedRevision(revision);
          status.setProfiles(profiles);
          status.setFailed(new ArrayList<>());
          status.setFailedCount(0);
          status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
          NodeProfileStatus patch = new NodeProfileStatus();
          patch.setMetadata(new ObjectMetaBuilder().withName(node).build());
          patch.setStatus(status);
          admin.resource(patch).patchStatus();
        });
    say("%d NodeProfileStatus objects written", count);
    settle(operator);
    double full = median(operator);
    say("operator heap after GC with %d NodeProfileStatus: %.1f MiB", count, full);
    admin.resources(NodeProfileStatus.class).delete();
    waitFor(
        () -> admin.resources(NodeProfileStatus.class).list().getItems().isEmpty(),
        Duration.ofMinutes(5),
        "NodeProfileStatus deletion");
    return new double[] {empty, full};
  }

  private static ChildJvm operator(Map<String, String> env, Path log) throws Exception {
    return new ChildJvm(
        "dev.leastprivilege.controller.OperatorMain",
        ChildJvm.operatorClasspath(),
        ScaleBenchmark.OPERATOR_JVM,
        env,
        log);
  }

  private static double median(ChildJvm jvm) throws Exception {
    double[] v = new double[3];
    for (int i = 0; i < v.length; i++) {
      v[i] = jvm.heapAfterGcMiB();
      Thread.sleep(1000);
    }
    Arrays.sort(v);
    return v[1];
  }

  /** Until the operator has used under 2% of a core for 3 s (at most 3 minutes). */
  private static void settle(ChildJvm jvm) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    Thread.sleep(3000);
    while (System.nanoTime() < deadline) {
      double before = cpuSeconds(jvm.process.pid());
      Thread.sleep(3000);
      if (cpuSeconds(jvm.process.pid()) - before < 0.06) {
        return;
      }
    }
    say("(the operator did not settle within 3 minutes)");
  }

  /** User and system CPU time of a process, from /proc. */
  static double cpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  private static boolean alive(ChildJvm jvm) {
    if (!jvm.process.isAlive()) {
      throw new IllegalStateException("the operator exited; see its log");
    }
    return true;
  }

  static int publishedConfigMaps(KubernetesClient admin) {
    return admin
        .configMaps()
        .inNamespace(NS)
        .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
        .list()
        .getItems()
        .size();
  }

  static long installedProfiles(KubernetesClient admin, int nodes) {
    return admin.resources(SeccompProfile.class).inNamespace(PROFILES).list().getItems().stream()
        .filter(
            sp ->
                sp.getStatus() != null
                    && sp.getStatus().getPhase() == ProfilePhase.Installed
                    && sp.getStatus().getNodes() != null
                    && sp.getStatus().getNodes().getInstalled() == nodes)
        .count();
  }

  /** A rendered-profile ConfigMap as the operator would publish it for a bench profile. */
  static ConfigMap rendered(
      String operatorNamespace, String profileNamespace, String name, int seed) {
    RenderedProfile r =
        ProfileCompiler.compile(
                new ProfileRef(profileNamespace, name),
                ScaleBenchmark.profile(profileNamespace, name, seed).getSpec(),
                ProfileLookup.none())
            .rendered();
    return RenderedProfileConfigMap.build(
        operatorNamespace, profileNamespace, name, r.json(), r.contentHash());
  }

  /** How many objects of a kind there are and the sum of their JSON sizes. */
  static FleetDesign.ReportObjects objects(
      KubernetesClient client, String apiVersion, String kind) {
    List<GenericKubernetesResource> items =
        client.genericKubernetesResources(apiVersion, kind).list().getItems();
    long bytes = 0;
    for (GenericKubernetesResource item : items) {
      bytes += client.getKubernetesSerialization().asJson(item).length();
    }
    return new FleetDesign.ReportObjects(items.size(), bytes);
  }

  static KubernetesClient via(RealApiServer api, CountingProxy proxy) {
    Config direct = Config.fromKubeconfig(api.kubeconfig());
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(direct)
                .withMasterUrl("https://127.0.0.1:" + proxy.port())
                .withRequestTimeout(120_000)
                .build())
        .build();
  }

  private static int apiPort(RealApiServer api) {
    return java.net.URI.create(Config.fromKubeconfig(api.kubeconfig()).getMasterUrl()).getPort();
  }

  interface Check {
    boolean done() throws Exception;
  }

  static void waitFor(Check check, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!check.done()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " not done within " + timeout);
      }
      Thread.sleep(1000);
    }
  }

  static void parallel(ExecutorService pool, int count, ScaleBenchmark.IntTask task)
      throws Exception {
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int idx = i;
      futures.add(
          pool.submit(
              () -> {
                task.run(idx);
                return null;
              }));
    }
    for (var f : futures) {
      f.get();
    }
  }

  static String describe(Map<String, Tally.Count> requests) {
    if (requests.isEmpty()) {
      return "no requests";
    }
    StringBuilder b = new StringBuilder();
    requests.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append(" + ");
          }
          b.append(v.requests()).append(' ').append(k);
        });
    return b.toString();
  }

  static String bytes(double b) {
    if (b >= 1024.0 * (1 << 30)) {
      return String.format(Locale.ROOT, "%.2f TiB", b / (1024.0 * (1 << 30)));
    }
    if (b >= 1 << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / (1 << 30));
    }
    if (b >= 1 << 20) {
      return String.format(Locale.ROOT, "%.2f MiB", b / (1 << 20));
    }
    if (b >= 1 << 10) {
      return String.format(Locale.ROOT, "%.1f KiB", b / (1 << 10));
    }
    return String.format(Locale.ROOT, "%.0f B", b);
  }

  static double medianOf(List<Sample> samples, ToDoubleFunction<Sample> f) {
    double[] v = samples.stream().mapToDouble(f).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static int arg(String[] args, int i, int otherwise) {
    return args.length > i && !args[i].isBlank() ? Integer.parseInt(args[i].trim()) : otherwise;
  }

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  static void say(String format, Object... args) {
    System.out.printf(
        Locale.ROOT, "[%6.1f s] %s%n", seconds(START), String.format(Locale.ROOT, format, args));
  }
}
