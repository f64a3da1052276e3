package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.AgentPods;
import dev.leastprivilege.controller.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Load generator for the operator and the agent against a real kube-apiserver (not a unit test; see
 * docs/performance.md). Both run as their own JVMs from the launchers the image ships; the agent as
 * it ships, on the image's runtime (image/jre.sh) with the chart's agent.jvmOptions and its
 * class-data archive ({@link ShippedRuntime}).
 *
 * <ul>
 *   <li>rollout: apply 1,000 SeccompProfiles, time until one agent has written all 1,000 files;
 *       baseline: the time the API server takes to accept the 1,000 creates, measured in the same
 *       round;
 *   <li>the agent's resident memory with 1,000 profiles installed;
 *   <li>many profiles (20,000 by default): every status Installed 1/1, the node report's size, the
 *       agent's resident memory, the operator's heap after GC, and then with 10,000 pods of which
 *       1,000 are ours; baseline: its heap with an empty cluster.
 * </ul>
 */
public final class ScaleBenchmark {
  private static final io.fabric8.kubernetes.client.utils.KubernetesSerialization JSON =
      new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
  static final String NS = "lpo-system";

  static final List<String> OPERATOR_JVM = List.of("-XX:+UseSerialGC", "-Xmx512m");

  private ScaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int heapProfiles = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    int pods = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    Path work = Files.createTempDirectory("lpo-bench-");
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), api.kubeconfig());
      namespace(client, NS);
      client
          .resource(
              new NodeBuilder().withNewMetadata().withName("bench-node").endMetadata().build())
          .create();
      AgentPods.place(client, NS, "bench-node");
      Map<String, String> env =
          Map.of(
              "KUBECONFIG",
              kubeconfig.toString(),
              "LPO_NAMESPACE",
              NS,
              "LPO_LEADER_ELECTION",
              "false",
              "HEALTH_PORT",
              "0",
              "NODE_NAME",
              "bench-node",
              "SECCOMP_ROOT",
              work.resolve("root").toString());
      // The agent as every node runs it: the image's runtime, the chart's agent.jvmOptions with
      // the image's class-data archive (made here for this runtime and classpath).
      Path agentJre = ShippedRuntime.imageJre();
      String agentClasspath = ChildJvm.agentClasspath();
      List<String> agentFlags =
          ShippedRuntime.chartFlags(ShippedRuntime.chartAgentOptions(), agentJre, agentClasspath);
      System.out.println("agent: " + agentJre + " " + String.join(" ", agentFlags));
      try (ChildJvm operator =
              new ChildJvm(
                  "dev.leastprivilege.controller.OperatorMain",
                  ChildJvm.operatorClasspath(),
                  OPERATOR_JVM,
                  env,
                  work.resolve("operator.log"));
          ChildJvm agent =
              new ChildJvm(
                  agentJre.resolve("bin/java"),
                  "dev.leastprivilege.agent.AgentMain",
                  agentClasspath,
                  withNmt(agentFlags),
                  agentEnv(env),
                  work.resolve("agent.log"))) {
        Thread.sleep(8000);
        double operatorIdleHeap = operator.heapAfterGcMiB();
        double operatorIdleRss = operator.rssMiB();
        double agentIdleRss = agent.rssMiB();
        List<double[]> results = new ArrayList<>();
        try (InstalledCounter installed = new InstalledCounter(client)) {
          for (int r = 1; r <= rounds; r++) {
            String ns = "bench-" + r;
            namespace(client, ns);
            Map<String, Long> writesBefore = ApiWrites.byResource(client);
            long t0 = System.nanoTime();
            parallel(1000, i -> client.resource(profile(ns, "p" + i, i)).create());
            double accepted = seconds(t0);
            Path dir = work.resolve("root/leastprivilege/" + ns);
            while (count(dir) < 1000) {
              Thread.sleep(20);
            }
            double written = seconds(t0);
            installed.await(ns, 1000);
            double allInstalled = seconds(t0);
            results.add(new double[] {accepted, written, allInstalled});
            System.out.printf(
                Locale.ROOT,
                "round %d: API accepted 1000 creates in %.2f s; agent wrote 1000 files"
                    + " in %.2f s (%.2fx); all 1000 Installed 1/1 at %.2f s; writes: %s%n",
                r,
                accepted,
                written,
                written / accepted,
                allInstalled,
                ApiWrites.since(writesBefore, ApiWrites.byResource(client)));
          }
        }
        // The agent's part alone: 1,000 rendered-profile ConfigMaps published directly.
        byte[] json =
            dev.leastprivilege.core.profile.ProfileCompiler.compile(
                    new dev.leastprivilege.core.ProfileRef("direct", "x"),
                    profile("direct", "x", 0).getSpec(),
                    dev.leastprivilege.core.profile.ProfileLookup.none())
                .rendered()
                .json();
        long a0 = System.nanoTime();
        parallel(
            1000,
            i ->
                client
                    .resource(
                        dev.leastprivilege.api.wire.RenderedProfileConfigMap.build(
                            NS,
                            "direct",
                            "d" + i,
                            json,
                            dev.leastprivilege.core.render.ContentHash.of(json)))
                    .create());
        double published = seconds(a0);
        while (count(work.resolve("root/leastprivilege/direct")) < 1000) {
          Thread.sleep(20);
        }
        System.out.printf(
            Locale.ROOT,
            "agent alone: API accepted 1000 ConfigMaps in %.2f s; agent wrote 1000 files"
                + " in %.2f s%n",
            published,
            seconds(a0));
        double agentRss = agent.rssMiB();
        if (System.getenv("LPO_BENCH_NMT") != null) {
          System.out.println(agent.nativeMemory(ShippedRuntime.imageJdk()));
        }
        System.out.printf(
            Locale.ROOT,
            "agent RSS: %.1f MiB idle, %.1f MiB with %d profiles%n",
            agentIdleRss,
            agentRss,
            rounds * 1000 + 1000);

        // Many profiles: all of them Installed 1/1 with one node report of constant size, the
        // agent's memory and the operator's heap; then 10,000 pods of which 1,000 are ours.
        String heapNs = "bench-heap";
        namespace(client, heapNs);
        int existing = rounds * 1000;
        int more = Math.max(0, heapProfiles - existing);
        try (InstalledCounter installed = new InstalledCounter(client)) {
          long t0 = System.nanoTime();
          parallel(more, i -> client.resource(profile(heapNs, "h" + i, i)).create());
          double accepted = seconds(t0);
          while (count(work.resolve("root/leastprivilege/" + heapNs)) < more) {
            Thread.sleep(100);
          }
          double written = seconds(t0);
          installed.await(heapNs, more);
          double allInstalled = seconds(t0);
          String report =
              JSON.asJson(
                  client
                      .resources(dev.leastprivilege.api.v1alpha1.NodeProfileStatus.class)
                      .withName("bench-node")
                      .get());
          System.out.printf(
              Locale.ROOT,
              "%d more profiles (%d in all): API accepted the creates in %.2f s; agent wrote"
                  + " the files in %.2f s; all Installed 1/1 at %.2f s; %d of %d profiles in the"
                  + " cluster Installed 1/1; node report %d bytes%n",
              more,
              existing + more,
              accepted,
              written,
              allInstalled,
              installed.installedEverywhere(),
              existing + more,
              report.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
        double agentRssMany = agent.rssMiB();
        double heapProfilesOnly = operator.heapAfterGcMiB();
        double operatorRssProfiles = operator.rssMiB();
        if (System.getenv("LPO_BENCH_HISTO") != null) {
          System.out.println(operator.histogram(25));
        }
        System.out.printf(
            Locale.ROOT, "agent RSS with %d profiles: %.1f MiB%n", heapProfiles, agentRssMany);
        parallel(
            pods,
            i ->
                client
                    .resource(pod(heapNs, "pod" + i, i % 10 == 0 ? "h" + (i / 10) : null))
                    .create());
        Thread.sleep(15_000);
        double heapWithPods = operator.heapAfterGcMiB();
        double operatorRssPods = operator.rssMiB();
        System.out.printf(
            Locale.ROOT,
            "operator heap after GC: %.1f MiB empty, %.1f MiB with %d profiles, %.1f MiB"
                + " adding %d pods (%d ours)%n",
            operatorIdleHeap,
            heapProfilesOnly,
            heapProfiles,
            heapWithPods,
            pods,
            pods / 10);
        // The operator as it ships (ChildJvm.operatorClasspath): its resident memory at each point.
        System.out.printf(
            Locale.ROOT,
            "operator RSS: %.1f MiB empty, %.1f MiB with %d profiles, %.1f MiB adding the pods%n",
            operatorIdleRss,
            operatorRssProfiles,
            heapProfiles,
            operatorRssPods);
        summary(results);
      }
    } finally {
      // The node's files (tens of MiB at 20,000 profiles) go; the operator's and agent's logs stay.
      deleteTree(work.resolve("root"));
      System.out.println("logs in " + work);
    }
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static List<String> withNmt(List<String> flags) {
    List<String> out = new ArrayList<>(flags);
    if (System.getenv("LPO_BENCH_NMT") != null) {
      out.add("-XX:NativeMemoryTracking=summary");
    }
    return out;
  }

  /**
   * The agent's environment as its pod has it: the chart's {@code MALLOC_ARENA_MAX=2} (glibc's
   * per-thread malloc arenas cost resident memory a JVM does not need), and the API server given by
   * {@code KUBERNETES_*} variables in place of a {@code KUBECONFIG} ({@link
   * ChildJvm#apiServerEnvironment}).
   */
  static Map<String, String> agentEnv(Map<String, String> env) throws IOException {
    Map<String, String> e = new java.util.HashMap<>(env);
    String kubeconfig = e.remove("KUBECONFIG");
    if (kubeconfig != null) {
      e.putAll(ChildJvm.apiServerEnvironment(Files.readString(Path.of(kubeconfig))));
    }
    e.put("MALLOC_ARENA_MAX", "2");
    return e;
  }

  private static void summary(List<double[]> results) {
    double[] accepted = results.stream().mapToDouble(r -> r[0]).sorted().toArray();
    double[] written = results.stream().mapToDouble(r -> r[1]).sorted().toArray();
    double[] ratio = results.stream().mapToDouble(r -> r[1] / r[0]).sorted().toArray();
    double[] installed = results.stream().mapToDouble(r -> r[2]).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "median of %d rounds: API accepted in %.2f s (baseline); files written in %.2f s;"
            + " written/accepted %.2fx; all Installed in %.2f s%n",
        results.size(),
        accepted[accepted.length / 2],
        written[written.length / 2],
        ratio[ratio.length / 2],
        installed[installed.length / 2]);
  }

  static SeccompProfile profile(String ns, String name, int i) {
    SeccompProfile p =
        JSON.unmarshal(
            """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata: {name: %s, namespace: %s}
        spec:
          baseProfileName: builtin:runtime-baseline
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - names: [socket, bind, listen, accept4, epoll_wait, sendto, recvfrom]
              action: SCMP_ACT_ALLOW
            - names: [ioctl]
              action: SCMP_ACT_ALLOW
              args: [{index: 1, value: %d, op: SCMP_CMP_EQ}]
        """
                .formatted(name, ns, 21505 + i),
            SeccompProfile.class);
    return p;
  }

  static Pod pod(String ns, String name, String profile) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .addToLabels("app", "bench")
            .endMetadata();
    var c =
        b.withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("busybox")
            .withCommand("sleep", "3600");
    if (profile != null) {
      c.withNewSecurityContext()
          .withNewSeccompProfile()
          .withType("Localhost")
          .withLocalhostProfile("leastprivilege/" + ns + "/" + profile + ".json")
          .endSeccompProfile()
          .endSecurityContext();
    }
    return c.endContainer().endSpec().build();
  }

  static void waitForStatuses(KubernetesClient client, int expected) throws InterruptedException {
    while (true) {
      long done =
          client.resources(SeccompProfile.class).inAnyNamespace().list().getItems().stream()
              .filter(p -> p.getStatus() != null && p.getStatus().getPhase() != null)
              .count();
      if (done >= expected) {
        return;
      }
      Thread.sleep(1000);
    }
  }

  static void namespace(KubernetesClient client, String ns) {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("default")
                .withNamespace(ns)
                .endMetadata()
                .build())
        .create();
  }

  interface IntTask {
    void run(int i) throws Exception;
  }

  static void parallel(int n, IntTask task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int idx = i;
      futures.add(
          pool.submit(
              () -> {
                task.run(idx);
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
  }

  static long count(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
          .count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
