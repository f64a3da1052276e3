package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's resident memory with 1,000 installed profiles, under several JVM flag sets, so the
 * chart's flags are chosen by measurement. Baseline: the same agent with the JVM's defaults, in the
 * same run.
 */
public final class AgentMemoryProbe {
  private AgentMemoryProbe() {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("lpo-agent-mem-");
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), api.kubeconfig());
      ScaleBenchmark.namespace(client, ScaleBenchmark.NS);
      client
          .resource(new NodeBuilder().withNewMetadata().withName("probe").endMetadata().build())
          .create();
      byte[] json =
          ProfileCompiler.compile(
                  new ProfileRef("direct", "x"),
                  ScaleBenchmark.profile("direct", "x", 0).getSpec(),
                  ProfileLookup.none())
              .rendered()
              .json();
      ScaleBenchmark.parallel(
          1000,
          i ->
              client
                  .resource(
                      RenderedProfileConfigMap.build(
                          ScaleBenchmark.NS, "mem", "p" + i, json, ContentHash.of(json)))
                  .create());
      Map<String, List<String>> flagSets = new java.util.LinkedHashMap<>();
      flagSets.put("JVM defaults (baseline)", List.of());
      flagSets.put(
          "serial GC, 48m heap, C1",
          List.of(
              "-XX:+UseSerialGC",
              "-Xms16m",
              "-Xmx48m",
              "-XX:MaxMetaspaceSize=48m",
              "-XX:ReservedCodeCacheSize=16m",
              "-XX:TieredStopAtLevel=1",
              "-Xss256k",
              "-XX:CICompilerCount=1"));
      flagSets.put(
          "recommended: " + String.join(" ", ScaleBenchmark.AGENT_JVM), ScaleBenchmark.AGENT_JVM);
      List<String> interpreted = new ArrayList<>(ScaleBenchmark.AGENT_JVM);
      interpreted.add("-Xint");
      flagSets.put("recommended + -Xint (no JIT)", interpreted);
      for (Map.Entry<String, List<String>> set : flagSets.entrySet()) {
        List<Double> rss = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
          Path root = work.resolve("root-" + rss.size() + "-" + set.getKey().hashCode());
          Map<String, String> env =
              Map.of(
                  "KUBECONFIG",
                  kubeconfig.toString(),
                  "LPO_NAMESPACE",
                  ScaleBenchmark.NS,
                  "HEALTH_PORT",
                  "0",
                  "NODE_NAME",
                  "probe",
                  "SECCOMP_ROOT",
                  root.toString(),
                  "MALLOC_ARENA_MAX",
                  "2");
          try (ChildJvm agent =
              new ChildJvm(
                  "dev.leastprivilege.agent.AgentMain",
                  ChildJvm.agentClasspath(),
                  set.getValue(),
                  env,
                  work.resolve("agent.log"))) {
            while (ScaleBenchmark.count(root.resolve("leastprivilege/mem")) < 1000) {
              Thread.sleep(50);
            }
            Thread.sleep(5000);
            rss.add(agent.rssMiB());
          }
        }
        rss.sort(null);
        System.out.printf(
            Locale.ROOT,
            "%-45s RSS with 1000 profiles: median %.1f MiB (runs %s)%n",
            set.getKey(),
            rss.get(1),
            rss);
      }
    }
  }
}
