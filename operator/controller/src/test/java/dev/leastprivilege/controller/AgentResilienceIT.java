package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.agent.Agent;
import dev.leastprivilege.agent.AgentConfig;
import dev.leastprivilege.api.v1alpha1.InstalledProfile;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent alone, fed rendered-profile ConfigMaps directly, through an API server outage and a full disk.
 */
class AgentResilienceIT {
  private static final Duration T = Duration.ofSeconds(45);
  static RealApiServer api;
  static KubernetesClient admin;
  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    api = RealApiServer.start();
    admin = api.client();
    new Cluster(admin).namespace(Cluster.OPERATOR_NS);
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static void publish(String name, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    admin.resource(RenderedProfileConfigMap.build(Cluster.OPERATOR_NS, "shop", name, bytes, ContentHash.of(bytes)))
        .serverSideApply();
  }

  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<InstalledProfile> reported(String node, String name, boolean failed) {
    NodeProfileStatus nps = admin.resources(NodeProfileStatus.class).withName(node).get();
    if (nps == null || nps.getStatus() == null) {
      return Optional.empty();
    }
    return (failed ? nps.getStatus().getFailed() : nps.getStatus().getInstalled()).stream()
        .filter(p -> p.getName().equals(name)).findFirst();
  }

  @Test
  void keepsWorkingThroughAnApiServerOutage() throws Exception {
    Config direct = admin.getConfiguration();
    URI url = URI.create(direct.getMasterUrl());
    try (CuttableProxy proxy = new CuttableProxy(url.getPort());
         KubernetesClient viaProxy = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client
             .ConfigBuilder(direct).withMasterUrl("https://127.0.0.1:" + proxy.port()).withRequestRetryBackoffLimit(1)
             .build()).build();
         Agent agent = new Agent(viaProxy, new AgentConfig("flaky", Cluster.OPERATOR_NS, tmp.resolve("flaky"),
             Duration.ofMillis(100)))) {
      publish("outage", "{\"v\": 1}\n");
      agent.start();
      Path file = tmp.resolve("flaky/leastprivilege/shop/outage.json");
      Await.until(T, () -> read(file).equals("{\"v\": 1}\n"), () -> "first version not written");

      proxy.cut();
      publish("outage", "{\"v\": 2}\n");
      publish("during", "{\"new\": true}\n");
      Thread.sleep(3000);
      assertEquals("{\"v\": 1}\n", read(file), "nothing can arrive while the API server is unreachable");

      proxy.restore();
      Await.until(T, () -> read(file).equals("{\"v\": 2}\n"), () -> "update not caught up after the outage");
      Await.until(T, () -> read(tmp.resolve("flaky/leastprivilege/shop/during.json")).contains("new"),
          () -> "profile created during the outage not installed");
      Await.until(T, () -> reported("flaky", "during", false).isPresent(), () -> "status not reported");
      assertTrue(agent.isReady());
    }
  }

  @Test
  void reportsAFullDiskKeepsTheOldFileAndRecoversWhenSpaceReturns() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", disk.toString())
        .inheritIO().start();
    assertTrue(mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0, "mount tmpfs (root needed)");
    try (Agent agent = new Agent(admin, new AgentConfig("small", Cluster.OPERATOR_NS, disk, Duration.ofMillis(100)))) {
      publish("big", "{\"v\": 1}\n");
      agent.start();
      Path file = disk.resolve("leastprivilege/shop/big.json");
      Await.until(T, () -> read(file).equals("{\"v\": 1}\n"), () -> "first version not written");
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
      publish("big", big);
      Await.until(T, () -> reported("small", "big", true).map(p -> p.getMessage().contains(
          "No space left on device")).orElse(false), () -> "failure not reported");
      assertEquals("{\"v\": 1}\n", read(file), "the old file is kept");

      Files.delete(filler);
      Await.until(T, () -> read(file).equals(big), () -> "not retried once space returned");
      Await.until(T, () -> reported("small", "big", true).isEmpty() && reported("small", "big", false).isPresent(),
          () -> "failure not cleared");
    } finally {
      new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor();
    }
  }
}
