package dev.leastprivilege.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** core is the pure domain: it may not reach a Kubernetes client, the operator framework, or the network. */
class CorePurityTest {
  private static final List<String> FORBIDDEN = List.of("import io.fabric8.", "import io.javaoperatorsdk.",
      "import java.net.http.", "import io.vertx.", "import okhttp3.");

  @Test
  void coreImportsNoKubernetesClientOrNetwork() throws IOException {
    Path sources = Path.of("src/main/java");
    List<String> offenders;
    try (Stream<Path> files = Files.walk(sources)) {
      offenders = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
        try {
          return Files.readAllLines(p).stream().filter(l -> FORBIDDEN.stream().anyMatch(l.trim()::startsWith))
              .map(l -> p + ": " + l.trim());
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }).toList();
    }
    assertFalse(Files.notExists(sources), "run from the core module");
    assertEquals(List.of(), offenders);
  }
}
