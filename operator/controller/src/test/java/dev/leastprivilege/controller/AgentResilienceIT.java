package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The agent alone, fed rendered-profile ConfigMaps directly, through an API server outage and a
 * full disk. Each test's agent watches the test's own namespace, where the test publishes as the
 * operator would in its namespace.
 */
class AgentResilienceIT {
  private static final Duration T = Duration.ofSeconds(45);

  @RegisterExtension static final Cluster cluster = new Cluster();

  static void publish(String agentNamespace, String name, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    cluster
        .client()
        .resource(
            RenderedProfileConfigMap.build(
                agentNamespace, "shop", name, bytes, ContentHash.of(bytes)))
        .serverSideApply();
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a node's report says it has the current publish of profile shop/NAME. */
  static boolean installed(String node, String ns, String name) {
    ConfigMap cm =
        cluster
            .client()
            .configMaps()
            .inNamespace(ns)
            .withName(RenderedProfileConfigMap.nameFor("shop", name))
            .get();
    return NodeReports.installed(cluster.client(), node, cm).isPresent();
  }

  /** The failure a node reports for profile shop/NAME, if any. */
  static Optional<FailedProfile> failure(String node, String name) {
    NodeProfileStatus nps =
        cluster.client().resources(NodeProfileStatus.class).withName(node).get();
    if (nps == null || nps.getStatus() == null) {
      return Optional.empty();
    }
    return nps.getStatus().getFailed().stream().filter(p -> p.getName().equals(name)).findFirst();
  }

  @Test
  void keepsWorkingThroughAnApiServerOutage(@TestNamespace String ns) throws Exception {
    Config direct = cluster.client().getConfiguration();
    URI url = URI.create(direct.getMasterUrl());
    Path root = cluster.nodeRoot("flaky");
    try (CuttableProxy proxy = new CuttableProxy(url.getPort());
        Agent agent =
            new Agent(
                KubeApi.connect(
                    new io.fabric8.kubernetes.client.ConfigBuilder(direct)
                        .withMasterUrl("https://127.0.0.1:" + proxy.port())
                        .withRequestRetryBackoffLimit(1)
                        .build()),
                new AgentConfig("flaky", ns, root, Duration.ofMillis(100)))) {
      publish(ns, "outage", "{\"v\": 1}\n");
      agent.start();
      Path file = root.resolve("leastprivilege/shop/outage.json");
      await()
          .atMost(T)
          .untilAsserted(
              () -> assertEquals("{\"v\": 1}\n", read(file), "first version not written"));

      proxy.cut();
      publish(ns, "outage", "{\"v\": 2}\n");
      publish(ns, "during", "{\"new\": true}\n");
      // The agent has tried to reach the API server since the changes, and was turned away.
      int turnedAway = proxy.turnedAway();
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      proxy.turnedAway() > turnedAway, "the agent did not try to reconnect"));
      assertEquals(
          "{\"v\": 1}\n", read(file), "nothing can arrive while the API server is unreachable");

      proxy.restore();
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertEquals(
                      "{\"v\": 2}\n", read(file), "update not caught up after the outage"));
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      read(root.resolve("leastprivilege/shop/during.json")).contains("new"),
                      "profile created during the outage not installed"));
      await()
          .atMost(T)
          .untilAsserted(() -> assertTrue(installed("flaky", ns, "during"), "status not reported"));
      assertTrue(agent.isReady());
    }
  }

  @Test
  void reportsAFullDiskKeepsTheOldFileAndRecoversWhenSpaceReturns(@TestNamespace String ns)
      throws Exception {
    Path disk = Files.createDirectories(cluster.nodeRoot("small"));
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString())
            .inheritIO()
            .start();
    assertTrue(
        mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0, "mount tmpfs (root needed)");
    try (Agent agent =
        new Agent(
            KubeApi.connect(cluster.client().getConfiguration()),
            new AgentConfig("small", ns, disk, Duration.ofMillis(100)))) {
      publish(ns, "big", "{\"v\": 1}\n");
      agent.start();
      Path file = disk.resolve("leastprivilege/shop/big.json");
      await()
          .atMost(T)
          .untilAsserted(
              () -> assertEquals("{\"v\": 1}\n", read(file), "first version not written"));
      Path filler = disk.resolve("filler");
      byte[] block = new byte[1024];
      try (var out = Files.newOutputStream(filler)) {
        while (true) {
          out.write(block);
        }
      } catch (IOException full) {
        // full
      }
      String big = "{\"v\": 2, \"pad\": \"" + "x".repeat(8000) + "\"}\n";
      publish(ns, "big", big);
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      failure("small", "big")
                          .map(p -> p.getMessage().contains("No space left on device"))
                          .orElse(false),
                      "failure not reported"));
      assertEquals("{\"v\": 1}\n", read(file), "the old file is kept");

      Files.delete(filler);
      await()
          .atMost(T)
          .untilAsserted(
              () -> assertTrue(read(file).equals(big), "not retried once space returned"));
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      failure("small", "big").isEmpty() && installed("small", ns, "big"),
                      "failure not cleared"));
    } finally {
      new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
    }
  }
}
