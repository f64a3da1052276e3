package dev.leastprivilege.image;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each program of the image starts from its launcher, with the image's classpath only, as the chart
 * runs it (`java -cp /opt/lpo/<launcher>.jar <Main>`, ChartLaunchersTest): it gets as far as its
 * own first log line, which needs its classes, the Kubernetes client and its HTTP client (found
 * through ServiceLoader: a lean classpath that lost it fails only here) and the logging provider.
 * No API server: the client is pointed at a closed port, so nothing outside is touched.
 */
class LaunchersIT {
  /** Signs that the classpath is short of something, whatever the program printed after. */
  private static final Pattern CLASSPATH_BROKEN =
      Pattern.compile(
          "NoClassDefFoundError|ClassNotFoundException|ServiceConfigurationError|NoSuchMethodError"
              + "|No httpclient implementations|No SLF4J providers|LinkageError");

  /** What the webhook logs when its warm-up failed, whether it then reports ready or not. */
  private static final String WARM_UP_FAILED = "webhook warm-up failed";

  record Program(String name, String launcher, String main, Map<String, String> env, String says) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Program> programs() {
    return Stream.of(
        new Program(
            "operator",
            "lpo-controller.jar",
            "dev.leastprivilege.controller.OperatorMain",
            Map.of("LPO_NAMESPACE", "lpo-system", "LPO_LEADER_ELECTION", "false"),
            "starting in namespace lpo-system"),
        new Program(
            "webhook",
            "lpo-controller.jar",
            "dev.leastprivilege.controller.WebhookMain",
            // Until its warm-up is over: the synthetic reviews run the admission path (TLS, HTTP
            // server, Jackson, the planner) on the shipped classpath, which "webhook started" does
            // not reach yet. A short bound: it ends there if the JIT has not settled by then.
            Map.of(
                "LPO_NAMESPACE", "lpo-system",
                "LPO_WEBHOOK_PORT", "0",
                "LPO_WEBHOOK_WARMUP_SECONDS", "5"),
            "webhook warmed up"),
        // The hook's first request to the API server is refused: it reports that, and fails.
        new Program(
            "uninstall hook",
            "lpo-controller.jar",
            "dev.leastprivilege.controller.UninstallMain",
            Map.of(
                "LPO_NAMESPACE", "lpo-system",
                "LPO_RELEASE_SELECTOR", "app.kubernetes.io/instance=lpo"),
            "uninstall failed"),
        new Program(
            "agent",
            "lpo-agent.jar",
            "dev.leastprivilege.agent.AgentMain",
            Map.of("NODE_NAME", "node-1", "LPO_NAMESPACE", "lpo-system"),
            "starting agent for node node-1"),
        new Program(
            "recorder",
            "lpo-recorder.jar",
            "dev.leastprivilege.recorder.RecorderMain",
            Map.of(
                "NODE_NAME", "node-1",
                "LPO_NAMESPACE", "lpo-system",
                "LPO_RECORDER_SECCOMP_SOURCE", "kmsg",
                "LPO_RECORDER_KMSG", "/dev/null",
                "LPO_RECORDER_HEALTH_PORT", Integer.toString(freePort())),
            "starting recorder for node node-1"));
  }

  @ParameterizedTest
  @MethodSource("programs")
  void startsFromItsLauncher(Program program, @TempDir Path dir) throws Exception {
    Path jar = Layout.built().launcher(program.launcher());
    Path log = dir.resolve("out.log");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // no kubeconfig of this machine's user
                "-Duser.home=" + dir,
                "-cp",
                jar.toString(),
                program.main())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.clear();
    env.put("HOME", dir.toString());
    env.put("KUBECONFIG", dir.resolve("no-kubeconfig").toString());
    // A port nothing listens on: every request to "the API server" is refused at once.
    env.put("KUBERNETES_MASTER", "https://127.0.0.1:1");
    env.put("KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT", "0");
    env.put("HEALTH_PORT", "0");
    env.put("SECCOMP_ROOT", dir.resolve("seccomp").toString());
    env.putAll(program.env());
    Process process = pb.start();
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .failFast(
              "it exited first",
              () -> !process.isAlive() && !Files.readString(log).contains(program.says()))
          .failFast("its warm-up failed", () -> Files.readString(log).contains(WARM_UP_FAILED))
          .alias(program + " says \"" + program.says() + "\"")
          .until(() -> Files.readString(log).contains(program.says()));
    } catch (org.awaitility.core.ConditionTimeoutException
        | org.awaitility.core.TerminalFailureException e) {
      throw new AssertionError(e.getMessage() + "; its output:\n" + Files.readString(log), e);
    } finally {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
      }
    }
    String out = Files.readString(log);
    assertTrue(!CLASSPATH_BROKEN.matcher(out).find(), program + "'s output:\n" + out);
  }

  /** The recorder's health port must be positive: one that is free now. */
  private static int freePort() {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
