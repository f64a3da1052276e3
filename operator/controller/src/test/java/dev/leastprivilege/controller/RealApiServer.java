package dev.leastprivilege.controller;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd, started by fabric8's kube-api-test: by default those of the
 * version pinned in e2e/cluster/kubernetes.env, built from Debian's packages by
 * e2e/cluster/build-k8s.sh; or others given by path ({@link KubernetesBinaries}). The CRDs from
 * crds/ are applied, exactly as a user would apply them. Flags are chosen for the binary's version:
 * before 1.23 the EphemeralContainers feature gate is turned on (as on the e2e cluster), so kubectl
 * debug's subresource exists on every version.
 */
public final class RealApiServer implements AutoCloseable {
  private final KubeAPIServer server;
  private final String kubeconfig;

  /** The kube-apiserver's command line, read when it is first stopped. */
  private List<String> command;

  /** The kube-apiserver started again by {@link #startApiServer}: ours to stop. */
  private Process restarted;

  private RealApiServer(KubeAPIServer server) {
    this.server = server;
    this.kubeconfig = server.getKubeConfigYaml();
  }

  public static RealApiServer start() throws Exception {
    KubernetesBinaries binaries = binaries();
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(binaries.kubeApiTestDir().toString())
                .withApiServerVersion(binaries.version().semver())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(120_000)
                .withApiServerFlags(binaries.apiServerFlags())
                .build());
    try {
      // kube-api-test starts etcd, then the API server, and stops neither when the API server does
      // not come up.
      server.start();
      RealApiServer api = new RealApiServer(server);
      try (KubernetesClient client = api.client()) {
        api.applyCrds(client);
      }
      return api;
    } catch (Exception | Error e) {
      try {
        server.stop();
      } catch (RuntimeException teardown) {
        e.addSuppressed(teardown);
      }
      throw e;
    }
  }

  /**
   * The binaries it runs and their version; the test fails, with the command to run, when they are
   * missing.
   */
  public static KubernetesBinaries binaries() {
    return KubernetesBinaries.get();
  }

  public String kubeconfig() {
    return kubeconfig;
  }

  public KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  private void applyCrds(KubernetesClient client) throws IOException {
    List<Path> crds;
    try (Stream<Path> s = Files.list(Path.of("../../crds"))) {
      crds = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path p : crds) {
      applyCrd(client, Files.readString(p));
    }
  }

  /** Applies a CRD (YAML), as kubectl would, and waits until the API server serves it. */
  public static void applyCrd(KubernetesClient client, String yaml) {
    CustomResourceDefinition crd =
        client.getKubernetesSerialization().unmarshal(yaml, CustomResourceDefinition.class);
    client.resource(crd).serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            cond ->
                                "Established".equals(cond.getType())
                                    && "True".equals(cond.getStatus())),
            30,
            TimeUnit.SECONDS);
  }

  /**
   * Stops the kube-apiserver process (SIGTERM, by its PID) and leaves etcd running, so {@link
   * #startApiServer} brings the same API server back, on the same port with the same data: an
   * API-server outage as everything that talks to it sees it.
   */
  public synchronized void stopApiServer() throws Exception {
    ProcessHandle process;
    if (restarted != null) {
      process = restarted.toHandle();
    } else {
      Object managed = field(server, "kubeApiServerProcess");
      // kube-api-test stops etcd too when its API server ends unexpectedly; this end is expected.
      Field stopped = managed.getClass().getDeclaredField("stopped");
      stopped.setAccessible(true);
      stopped.setBoolean(managed, true);
      process = ((Process) field(managed, "apiServerProcess")).toHandle();
    }
    if (command == null) {
      String cmdline = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "cmdline"));
      command = List.of(cmdline.split("\u0000"));
    }
    process.destroy();
    try {
      process.onExit().get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      process.destroyForcibly();
      process.onExit().get(10, TimeUnit.SECONDS);
    }
    restarted = null;
  }

  /** Starts the kube-apiserver stopped by {@link #stopApiServer} again; returns at once. */
  public synchronized void startApiServer() throws IOException {
    if (command == null || restarted != null) {
      throw new IllegalStateException("the API server was not stopped");
    }
    restarted =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
  }

  /** Whether the API server answers /readyz with 200 now. */
  public boolean ready(KubernetesClient client) {
    try {
      return "ok".equals(client.raw(client.getMasterUrl() + "readyz"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }

  @Override
  public synchronized void close() {
    if (restarted != null) {
      restarted.destroy();
      try {
        if (!restarted.waitFor(30, TimeUnit.SECONDS)) {
          restarted.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      restarted = null;
    }
    // Stops etcd, and the original kube-apiserver unless stopApiServer already did.
    server.stop();
  }
}
