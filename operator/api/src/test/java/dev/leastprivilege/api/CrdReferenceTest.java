package dev.leastprivilege.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD reference page is generated from the schemas; regenerate with
 * operator/api/tools/update-crds.sh.
 */
class CrdReferenceTest {
  private static final Path PAGE = Path.of("../../docs/reference/crds.md");

  @Test
  void referencePageMatchesTheSchemas() throws IOException {
    String generated = CrdReference.render(Path.of("../../crds"));
    if (Boolean.getBoolean("lpo.updateDocs")) {
      Files.createDirectories(PAGE.getParent());
      Files.writeString(PAGE, generated);
    }
    assertTrue(Files.exists(PAGE), PAGE + " is missing; run operator/api/tools/update-crds.sh");
    assertEquals(
        generated,
        Files.readString(PAGE),
        PAGE + " differs from the CRD schemas; run operator/api/tools/update-crds.sh");
    assertTrue(
        generated.contains("| `spec.syscalls[].args` | array of object |"),
        "nested fields are listed");
    assertTrue(generated.contains("maxItems 6."), "constraints are listed");
  }
}
