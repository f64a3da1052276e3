package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {
  private static final Path FIXTURES = Path.of("src/test/resources/export");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path dir;

  private static List<JsonNode> documents(String yaml) throws IOException {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      return it.readAll();
    }
  }

  @Test
  void aKubectlListBecomesOneCleanDocumentPerObject() throws IOException {
    Cli.Result r = Cli.run("export", FIXTURES.resolve("kubectl-list.yaml").toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        """
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: SeccompProfile
        metadata:
          name: web-nginx
          namespace: team-a
        spec:
          architectures:
            - SCMP_ARCH_X86_64
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
            - action: SCMP_ACT_ALLOW
              names:
                - accept4
                - read
        ---
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata:
          name: web-nginx
          namespace: team-a
        spec:
          add:
            - NET_BIND_SERVICE
          drop:
            - ALL
        """,
        r.out());
  }

  @Test
  void theRecordingsLabelAndUidAreLeftOutSoALaterRecordingCannotTakeTheObjectForItsOwn()
      throws IOException {
    Cli.Result r = Cli.run("export", FIXTURES.resolve("kubectl-list.yaml").toString());
    assertEquals(0, r.code(), r.err());
    assertFalse(r.out().contains("leastprivilege.dev/recorded-by"), r.out());
  }

  @Test
  void severalDocumentsAndTypedListsAreReadToo() throws IOException {
    Cli.Result r = Cli.run("export", FIXTURES.resolve("two-documents.yaml").toString());
    assertEquals(0, r.code(), r.err());
    List<JsonNode> docs = documents(r.out());
    assertEquals(2, docs.size());
    JsonNode profile = docs.get(0);
    assertEquals("api", profile.at("/metadata/name").asText());
    assertEquals("team-b", profile.at("/metadata/namespace").asText());
    // Annotations of the user's own are kept.
    assertEquals("payments", profile.at("/metadata/annotations/team").asText());
    assertFalse(profile.has("status"));
    assertFalse(profile.get("metadata").has("uid"));
    assertFalse(profile.get("metadata").has("resourceVersion"));
    assertFalse(profile.get("metadata").has("creationTimestamp"));
    assertEquals("builtin:runtime-baseline", profile.at("/spec/baseProfileName").asText());
    JsonNode policy = docs.get(1);
    assertEquals("CapabilityPolicy", policy.get("kind").asText());
    assertFalse(policy.get("metadata").has("generation"));
  }

  @Test
  void readsStdinAndWritesAFile() throws IOException {
    Path out = dir.resolve("repo.yaml");
    java.io.InputStream stdin = System.in;
    try {
      System.setIn(Files.newInputStream(FIXTURES.resolve("kubectl-list.yaml")));
      Cli.Result r = Cli.run("export", "-", "-o", out.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(r.err().contains("exported 2 objects"), r.err());
    } finally {
      System.setIn(stdin);
    }
    String written = Files.readString(out);
    assertEquals(2, documents(written).size());
    assertFalse(written.contains("managedFields"));
    assertFalse(written.contains("last-applied-configuration"));
    assertFalse(written.contains("ownerReferences"));
    assertFalse(written.contains("finalizers"));
  }

  @Test
  void saysWhatIsWrongWithInputThatIsNotObjects() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "- just\n- a list\n");
    Cli.Result r = Cli.run("export", bad.toString());
    assertEquals(1, r.code());
    assertEquals("error: " + bad + ": document 1 is not an object\n", r.err());
  }
}
