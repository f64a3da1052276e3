package dev.leastprivilege.controller.bench;

import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The operator or the agent as its own process, as in a pod, so its memory is its own. */
final class ChildJvm implements AutoCloseable {
  final Process process;

  /**
   * The agent as its image runs it: its launcher, the agent module's jar, whose manifest Class-Path
   * names its runtime-scope dependencies in target/lib (image/layout.sh copies the same files).
   */
  static String agentClasspath() throws IOException {
    return launcher(Path.of("..", "agent", "target", "lpo-agent.jar"));
  }

  /**
   * The operator (and the webhook) as the image runs them: the controller module's launcher jar,
   * not this module's test classpath, which also holds the test libraries and their mock servers.
   */
  static String operatorClasspath() throws IOException {
    return launcher(Path.of("target", "lpo-controller.jar"));
  }

  /**
   * How a child agent reaches the API server: as in its pod, from the environment (fabric8's {@code
   * KUBERNETES_*} variables), with no kubeconfig file. fabric8 parses a kubeconfig with its full
   * serializer, which loads every model class; a pod's agent, configured from its service account,
   * never does, so a kubeconfig would make the child larger than the agent that ships.
   */
  static Map<String, String> apiServerEnvironment(String kubeconfigYaml) {
    Config c = Config.fromKubeconfig(kubeconfigYaml);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KUBERNETES_MASTER", c.getMasterUrl());
    env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    putIfSet(env, "KUBERNETES_CERTS_CA_DATA", c.getCaCertData());
    putIfSet(env, "KUBERNETES_CERTS_CA_FILE", c.getCaCertFile());
    putIfSet(env, "KUBERNETES_CERTS_CLIENT_DATA", c.getClientCertData());
    putIfSet(env, "KUBERNETES_CERTS_CLIENT_FILE", c.getClientCertFile());
    putIfSet(env, "KUBERNETES_CERTS_CLIENT_KEY_DATA", c.getClientKeyData());
    putIfSet(env, "KUBERNETES_CERTS_CLIENT_KEY_FILE", c.getClientKeyFile());
    putIfSet(env, "KUBERNETES_CERTS_CLIENT_KEY_ALGO", c.getClientKeyAlgo());
    putIfSet(env, "KUBERNETES_AUTH_TOKEN", c.getOauthToken());
    return env;
  }

  private static void putIfSet(Map<String, String> env, String name, String value) {
    if (value != null && !value.isEmpty()) {
      env.put(name, value);
    }
  }

  private static String launcher(Path jar) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          jar.toAbsolutePath().normalize()
              + " is missing: the shipped launchers are built at package (mvn -pl"
              + " operator/controller -am verify)");
    }
    return jar.toAbsolutePath().normalize().toString();
  }

  ChildJvm(
      String mainClass, String classpath, List<String> jvmFlags, Map<String, String> env, Path log)
      throws IOException {
    this(
        Path.of(System.getProperty("java.home"), "bin", "java"),
        mainClass,
        classpath,
        jvmFlags,
        env,
        log);
  }

  /** With another Java runtime than this one (a jlink image, another version). */
  ChildJvm(
      Path java,
      String mainClass,
      String classpath,
      List<String> jvmFlags,
      Map<String, String> env,
      Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    process = pb.start();
  }

  /** Resident set size in MiB, from /proc. */
  double rssMiB() throws IOException {
    return status("VmRSS:") / 1024.0;
  }

  /** A number from /proc/<pid>/status (VmRSS: and VmHWM: in KiB, Threads:). */
  long status(String field) throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no " + field + " for " + process.pid());
  }

  /** Heap in use after a full GC, in MiB, as jcmd reports it. */
  double heapAfterGcMiB() throws Exception {
    return heapAfterGcMiB(Path.of(System.getProperty("java.home")));
  }

  /** The same, for a child on another runtime: jcmd from a JDK of its version. */
  double heapAfterGcMiB(Path jdk) throws Exception {
    jcmd(jdk, "GC.run");
    String info = jcmd(jdk, "GC.heap_info");
    // Serial GC prints one line per generation ("def new generation ... used 123K", "tenured
    // generation ...").
    Matcher m = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K").matcher(info);
    long usedK = 0;
    while (m.find()) {
      usedK += Long.parseLong(m.group(1));
    }
    if (usedK == 0) {
      throw new IllegalStateException("cannot read the heap from: " + info);
    }
    return usedK / 1024.0;
  }

  /** The first lines of the live objects' class histogram (after a full GC). */
  String histogram(int lines) throws Exception {
    return String.join("\n", jcmd("GC.class_histogram").lines().limit(lines + 3).toList());
  }

  /** Native Memory Tracking's summary, when the JVM runs with -XX:NativeMemoryTracking=summary. */
  String nativeMemory() throws Exception {
    return jcmd("VM.native_memory summary");
  }

  /** The same, for a child on another runtime: jcmd from a JDK of its version. */
  String nativeMemory(Path jdk) throws Exception {
    return jcmd(jdk, "VM.native_memory summary");
  }

  private String jcmd(String command) throws Exception {
    return jcmd(Path.of(System.getProperty("java.home")), command);
  }

  /** jcmd from a JDK of the child's version (a jlink runtime has none). */
  String jcmd(Path jdk, String command) throws Exception {
    Process p =
        new ProcessBuilder(
                jdk.resolve("bin").resolve("jcmd").toString(),
                Long.toString(process.pid()),
                command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
