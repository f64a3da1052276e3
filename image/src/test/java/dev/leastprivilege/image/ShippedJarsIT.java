package dev.leastprivilege.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * What the image ships: no program's classpath holds lpo local's mock API server, a test library,
 * Vert.x or Netty, whether as a jar of its own or copied into another; and the image holds exactly
 * the jars the launchers name.
 */
class ShippedJarsIT {
  /** Packages that must never run in production, and what they are. */
  private static final Map<String, String> BANNED_PACKAGES =
      Map.ofEntries(
          Map.entry("io/fabric8/kubernetes/client/server/mock/", "the mock API server"),
          Map.entry("io/fabric8/mockwebserver/", "mockwebserver"),
          Map.entry("okhttp3/mockwebserver/", "mockwebserver"),
          Map.entry("io/vertx/", "Vert.x"),
          Map.entry("io/netty/", "Netty"),
          Map.entry("io/fabric8/kubeapitest/", "kube-api-test"),
          Map.entry("io/fabric8/junit/", "kubernetes-junit-jupiter"),
          Map.entry("io/javaoperatorsdk/operator/junit/", "operator-framework-junit"),
          Map.entry("org/junit/", "JUnit"),
          Map.entry("junit/framework/", "JUnit 4"),
          Map.entry("org/opentest4j/", "opentest4j"),
          Map.entry("org/mockito/", "Mockito"),
          Map.entry("org/assertj/", "AssertJ"),
          Map.entry("org/hamcrest/", "Hamcrest"),
          Map.entry("org/awaitility/", "Awaitility"),
          Map.entry("com/tngtech/archunit/", "ArchUnit"));

  private final Layout layout = Layout.built();

  @Test
  void noProgramShipsAMockServerATestLibraryVertxOrNetty() {
    for (String launcher : Layout.LAUNCHERS) {
      Path jar = layout.launcher(launcher);
      List<Path> classpath = new ArrayList<>(List.of(jar));
      Layout.classPath(jar).forEach(entry -> classpath.add(layout.optLpo.resolve(entry)));
      assertEquals(Map.of(), banned(classpath), launcher + "'s classpath");
    }
  }

  /** The same check, on the jar that does carry them: lpo.jar, lpo local's in-memory API server. */
  @Test
  void theCheckFindsThemInTheCliJar() {
    Path lpo = Path.of(System.getProperty("lpo.top", "..")).resolve("operator/cli/target/lpo.jar");
    Map<String, String> found = banned(List.of(lpo));
    assertTrue(
        found.keySet().containsAll(List.of("the mock API server", "Vert.x", "Netty")),
        found::toString);
  }

  @Test
  void theImageHoldsTheLaunchersAndExactlyTheJarsTheyName() {
    TreeSet<String> named = new TreeSet<>(Layout.LAUNCHERS);
    for (String launcher : Layout.LAUNCHERS) {
      Path jar = layout.launcher(launcher);
      assertTrue(Layout.mainClass(jar) != null, launcher + " has a Main-Class");
      List<String> cp = Layout.classPath(jar);
      assertFalse(cp.isEmpty(), launcher + " names its jars in its Class-Path");
      for (String entry : cp) {
        assertTrue(entry.matches("lib/[^/]+\\.jar"), launcher + ": " + entry);
        assertFalse(entry.endsWith("-tests.jar"), launcher + " ships a test-jar: " + entry);
        named.add(entry);
      }
    }
    assertEquals(List.copyOf(named), layout.files(), "files under /opt/lpo");
  }

  /** What of the banned packages each jar holds: what it is → the jar and one entry. */
  private static Map<String, String> banned(List<Path> jars) {
    Map<String, String> found = new TreeMap<>();
    for (Path jar : jars) {
      try (JarFile file = new JarFile(jar.toFile())) {
        for (JarEntry entry : java.util.Collections.list(file.entries())) {
          BANNED_PACKAGES.forEach(
              (prefix, what) -> {
                if (entry.getName().startsWith(prefix)) {
                  found.putIfAbsent(what, jar.getFileName() + "!/" + entry.getName());
                }
              });
        }
      } catch (IOException e) {
        throw new UncheckedIOException(jar.toString(), e);
      }
    }
    return found;
  }
}
