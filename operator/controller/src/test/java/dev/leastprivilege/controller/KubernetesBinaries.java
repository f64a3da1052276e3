package dev.leastprivilege.controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The kube-apiserver, etcd and kubectl the real-API-server tier runs, and the version the API
 * server reports. By default those e2e/cluster/build-k8s.sh builds of the version pinned in
 * e2e/cluster/kubernetes.env ({@link #pinnedVersion()}, the one place it is written). Other
 * binaries are given by path, each as a system property or an environment variable:
 *
 * <ul>
 *   <li>{@code -Dlpo.kube.apiserver} / {@code LPO_KUBE_APISERVER}, {@code -Dlpo.etcd} / {@code
 *       LPO_ETCD}, {@code -Dlpo.kubectl} / {@code LPO_KUBECTL}: one binary each;
 *   <li>{@code KUBEBUILDER_ASSETS}: a directory with all three, as envtest's {@code setup-envtest
 *       use 1.30 -p path} prints it.
 * </ul>
 *
 * <p>A binary given alone wins over the directory, a property over an environment variable;
 * kubectl, when not given, is the one beside the given kube-apiserver, else the pinned build's. The
 * root pom's kube-binaries-* profiles skip the pinned build when any of these is given (except
 * {@code lpo.etcd} or {@code lpo.kubectl} alone, which still need the pinned kube-apiserver).
 */
public record KubernetesBinaries(Path apiServer, Path etcd, Path kubectl, KubeVersion version) {
  /** The file that pins the version, relative to the repository's top. */
  static final Path VERSION_FILE = Path.of("e2e", "cluster", "kubernetes.env");

  /** The oldest Kubernetes the product supports (docs/install.md, "Kubernetes versions"). */
  static final KubeVersion MINIMUM = KubeVersion.parse("1.20.0");

  private static KubernetesBinaries found;

  private static final java.util.Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  /** The binaries this JVM's tests use, resolved once. */
  public static synchronized KubernetesBinaries get() {
    if (found == null) {
      found = resolve(System::getProperty, System.getenv());
      // In the test log, so that a run says what it ran against.
      System.err.printf(
          "[lpo] kube-apiserver %s at %s, etcd at %s, kubectl at %s%n",
          found.version(), found.apiServer(), found.etcd(), found.kubectl());
    }
    return found;
  }

  /** Whether they are the pinned build's, as CI runs them (not given by path). */
  public boolean pinned() {
    return apiServer.equals(pinnedDir().resolve("kube-apiserver"));
  }

  static KubernetesBinaries resolve(UnaryOperator<String> properties, Map<String, String> env) {
    String assets = env.get("KUBEBUILDER_ASSETS");
    assets = assets == null || assets.isBlank() ? null : assets;
    String apiServer = given(properties, env, "lpo.kube.apiserver", "LPO_KUBE_APISERVER");
    String etcd = given(properties, env, "lpo.etcd", "LPO_ETCD");
    String kubectl = given(properties, env, "lpo.kubectl", "LPO_KUBECTL");
    Path assetsDir = assets == null ? null : Path.of(assets);
    Path api = pick(apiServer, assetsDir, "kube-apiserver");
    Path kubectlPath = pick(kubectl, assetsDir, "kubectl");
    if (kubectlPath == null && api != null && Files.isExecutable(api.resolveSibling("kubectl"))) {
      kubectlPath = api.resolveSibling("kubectl");
    }
    Path pinned = pinnedDir();
    api = executable(api != null ? api : pinned.resolve("kube-apiserver"), "kube-apiserver");
    Path etcdPath = executable(orElse(pick(etcd, assetsDir, "etcd"), pinned, "etcd"), "etcd");
    kubectlPath = executable(orElse(kubectlPath, pinned, "kubectl"), "kubectl");
    KubeVersion version = KubeVersion.parse(run(api, "--version"));
    if (!version.atLeast(MINIMUM.major(), MINIMUM.minor())) {
      throw new IllegalStateException(
          api
              + " is Kubernetes "
              + version
              + "; the product supports "
              + MINIMUM.major()
              + "."
              + MINIMUM.minor()
              + " and later (docs/install.md)");
    }
    return new KubernetesBinaries(api, etcdPath, kubectlPath, version);
  }

  /**
   * A directory laid out as fabric8's kube-api-test expects it ({@code k8s/<version>-linux-amd64/}
   * with kube-apiserver, etcd and kubectl), and its certificates: the build's own directory for the
   * pinned binaries; for binaries given by path, one of symbolic links to them in the user's cache
   * ({@code ~/.cache/lpo/kube-by-path-<hash of their paths>}), readable by the user alone: the API
   * server's keys are written there, and a shared temporary directory is no place for them.
   */
  Path kubeApiTestDir() {
    return kubeApiTestDir(Path.of(System.getProperty("user.home"), ".cache", "lpo"));
  }

  /** {@link #kubeApiTestDir()}, with the links' directory under {@code cache}. */
  Path kubeApiTestDir(Path cache) {
    if (pinned()
        && etcd.equals(pinnedDir().resolve("etcd"))
        && kubectl.equals(pinnedDir().resolve("kubectl"))) {
      return pinnedDir().getParent().getParent();
    }
    String key = apiServer + "\n" + etcd + "\n" + kubectl;
    String hash;
    try {
      hash =
          HexFormat.of()
              .formatHex(
                  java.security.MessageDigest.getInstance("SHA-256")
                      .digest(key.getBytes(StandardCharsets.UTF_8)))
              .substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    Path top = cache.resolve("kube-by-path-" + hash);
    Path bin = top.resolve("k8s").resolve(version.semver() + "-linux-amd64");
    try {
      Files.createDirectories(cache);
      if (!Files.isDirectory(top)) {
        Files.createDirectory(top, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      }
      // Also when an earlier run made it with other permissions.
      Files.setPosixFilePermissions(top, OWNER_ONLY);
      Files.createDirectories(bin);
      link(bin.resolve("kube-apiserver"), apiServer);
      link(bin.resolve("etcd"), etcd);
      link(bin.resolve("kubectl"), kubectl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return top;
  }

  /** The kube-apiserver flags this version needs beyond kube-api-test's own. */
  List<String> apiServerFlags() {
    List<String> flags = new ArrayList<>();
    // kubectl debug's subresource (pods/ephemeralcontainers) is alpha and off by default from 1.16
    // to 1.22, beta and on from 1.23, GA in 1.25; the gate is gone from 1.27, where naming it stops
    // the API server. (kube-api-test already passes --allow-privileged, so privileged pods reach
    // the
    // webhook, the service-account issuer and signing key that 1.20 made required, and no
    // --insecure-port, which 1.24 removed.)
    if (!version.atLeast(1, 23)) {
      flags.add("--feature-gates=EphemeralContainers=true");
    }
    return flags;
  }

  /** The version e2e/cluster/kubernetes.env pins, as "major.minor.patch". */
  public static String pinnedVersion() {
    Properties p = new Properties();
    Path file = top().resolve(VERSION_FILE);
    try (var in = Files.newBufferedReader(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    String v = p.getProperty("KUBERNETES_VERSION");
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(file + ": KUBERNETES_VERSION is not set");
    }
    return v.strip();
  }

  /** The repository's top: the nearest directory up from here that has {@link #VERSION_FILE}. */
  static Path top() {
    String given = System.getProperty("lpo.top");
    if (given != null) {
      return Path.of(given).toAbsolutePath().normalize();
    }
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(VERSION_FILE))) {
        return d;
      }
    }
    throw new IllegalStateException(
        "no " + VERSION_FILE + " in " + Path.of("").toAbsolutePath() + " or above");
  }

  /** Where build-k8s.sh puts the pinned binaries (KUBE_API_TEST_DIR, or its cache). */
  static Path pinnedDir() {
    String version = pinnedVersion();
    String env = System.getenv("KUBE_API_TEST_DIR");
    Path dir =
        env != null
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "lpo", "k8s-" + version);
    return dir.resolve("k8s").resolve(version + "-linux-amd64");
  }

  private static String given(
      UnaryOperator<String> properties, Map<String, String> env, String property, String variable) {
    String v = properties.apply(property);
    if (v == null || v.isBlank()) {
      v = env.get(variable);
    }
    return v == null || v.isBlank() ? null : v;
  }

  private static Path pick(String given, Path assets, String name) {
    if (given != null) {
      return Path.of(given).toAbsolutePath();
    }
    return assets == null ? null : assets.toAbsolutePath().resolve(name);
  }

  private static Path orElse(Path given, Path pinnedDir, String name) {
    return given != null ? given : pinnedDir.resolve(name);
  }

  private static Path executable(Path path, String name) {
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(
          path
              + " ("
              + name
              + ") is missing: run e2e/cluster/build-k8s.sh first (CI does), or give the binaries"
              + " by path (README, \"Run the tests\")");
    }
    return path;
  }

  private static void link(Path link, Path target) throws IOException {
    if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
      return;
    }
    Path part = link.resolveSibling(link.getFileName() + ".part" + ProcessHandle.current().pid());
    Files.deleteIfExists(part);
    Files.createSymbolicLink(part, target);
    Files.move(part, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String run(Path binary, String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 s");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
