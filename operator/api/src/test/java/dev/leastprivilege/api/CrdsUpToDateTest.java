package dev.leastprivilege.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * crds/ is generated from these classes; a hand edit or a forgotten regeneration fails the build
 * here.
 */
class CrdsUpToDateTest {
  private static final Path GENERATED = Path.of("target/generated-crds");
  private static final Path COMMITTED = Path.of("../../crds");

  @Test
  void committedCrdsMatchTheClasses() throws IOException {
    List<Path> generated;
    try (Stream<Path> s = Files.list(GENERATED)) {
      generated = s.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
    }
    assertEquals(
        5,
        generated.size(),
        "SeccompProfile, CapabilityPolicy, NodeProfileStatus, ProfileRecording and NodeRecording");
    for (Path g : generated) {
      Path committed = COMMITTED.resolve(g.getFileName().toString().replace("-v1.yml", ".yaml"));
      assertTrue(
          Files.exists(committed),
          committed + " is missing; run operator/api/tools/update-crds.sh");
      assertEquals(
          Files.readString(g),
          Files.readString(committed),
          committed
              + " differs from what the Java classes generate; run operator/api/tools/update-crds.sh");
    }
    try (Stream<Path> s = Files.list(COMMITTED)) {
      assertEquals(
          generated.size(),
          s.filter(p -> p.toString().endsWith(".yaml")).count(),
          "crds/ holds a CRD no class generates");
    }
  }

  @Test
  void schemaRejectsWhatItCanOnItsOwn() throws IOException {
    String crd = Files.readString(COMMITTED.resolve("seccompprofiles.leastprivilege.dev.yaml"));
    for (String expected :
        List.of(
            "- \"SCMP_ACT_ERRNO\"",
            "- \"SCMP_CMP_MASKED_EQ\"",
            "- \"SCMP_ARCH_X86_64\"",
            "maxItems: 6",
            "maximum: 5.0",
            "maximum: 4095.0",
            "minimum: 0.0",
            "minItems: 1",
            "pattern: \"^(builtin:)?[a-z0-9]",
            "pattern: \"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\"",
            "name: \"Installed\"",
            "name: \"Phase\"",
            "name: \"Mode\"",
            "name: \"Age\"",
            "status: {}")) {
      assertTrue(crd.contains(expected), "SeccompProfile CRD lacks " + expected);
    }
    assertFalse(crd.contains("x-kubernetes-preserve-unknown-fields"), "every field is typed");
  }
}
