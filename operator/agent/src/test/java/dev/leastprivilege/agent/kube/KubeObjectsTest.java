package dev.leastprivilege.agent.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The agent binds the fields it reads and writes itself ({@link KubeObjects}); what it binds must
 * be what fabric8's own (jackson-databind) binding gives, field for field.
 */
class KubeObjectsTest {
  private static final ObjectMapper FABRIC8 =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** A ConfigMap as the API server sends it, with fields the agent does not read. */
  private static final String CONFIG_MAP =
      """
      {"apiVersion":"v1","kind":"ConfigMap",
       "metadata":{"name":"p-1","namespace":"lpo","uid":"u-1","resourceVersion":"4711",
        "creationTimestamp":"2026-11-30T10:00:00Z","generation":3,
        "labels":{"leastprivilege.dev/component":"rendered-profile","empty":""},
        "annotations":{"leastprivilege.dev/profile":"team-a/web","note":"caf\\u00e9 \\"q\\" \\n"},
        "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"nu","controller":true}],
        "managedFields":[{"manager":"lpo","operation":"Apply","fieldsV1":{"f:data":{}}}]},
       "data":{"profile.json":"{\\"defaultAction\\":\\"SCMP_ACT_ERRNO\\"}"},
       "binaryData":{"x":"AAE="},
       "immutable":false}
      """;

  @Test
  void aConfigMapReadsAsFabric8ReadsIt() throws IOException {
    byte[] json = CONFIG_MAP.getBytes(StandardCharsets.UTF_8);
    ConfigMap ours = KubeObjects.configMap(JsonTree.parseObject(json));
    ConfigMap theirs = FABRIC8.readValue(json, ConfigMap.class);

    assertRead(theirs.getMetadata(), ours.getMetadata());
    assertEquals(theirs.getData(), ours.getData());
    assertEquals("café \"q\" \n", ours.getMetadata().getAnnotations().get("note"));
  }

  @Test
  void aBareObjectReadsAsEmptyMetadataAndData() throws IOException {
    ConfigMap ours =
        KubeObjects.configMap(JsonTree.parseObject("{}".getBytes(StandardCharsets.UTF_8)));
    ConfigMap theirs = FABRIC8.readValue("{}", ConfigMap.class);

    assertEquals(Map.of(), ours.getData());
    assertEquals(theirs.getData(), ours.getData());
    // fabric8 leaves the metadata of "{}" null; the agent binds an empty one, and ListWatch refuses
    // an object without a name or resourceVersion.
    assertNull(theirs.getMetadata());
    assertNull(ours.getMetadata().getName());
  }

  @Test
  void writtenMetadataIsWhatFabric8Writes() throws IOException {
    ObjectMeta meta =
        new ObjectMetaBuilder()
            .withName("n1")
            .withNamespace("lpo")
            .withLabels(Map.of("a", "b"))
            .withAnnotations(Map.of("c", "d"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName("n1")
                    .withUid("nu")
                    .withController(true)
                    .withBlockOwnerDeletion(false)
                    .build())
            .build();

    assertEquals(
        FABRIC8.readTree(FABRIC8.writeValueAsString(meta)),
        FABRIC8.readTree(JsonTree.write(KubeObjects.tree(meta))));
  }

  @Test
  void aDocumentCutShortIsAnError() {
    assertThrows(
        IOException.class,
        () -> JsonTree.parseObject("{\"a\":[1,2".getBytes(StandardCharsets.UTF_8)));
    assertThrows(
        IOException.class, () -> JsonTree.parseObject("[1]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void nestingDeeperThanTheLimitIsAnErrorNotAStackOverflow() {
    String deep =
        "{\"a\":" + "[".repeat(2 * JsonTree.MAX_DEPTH) + "]".repeat(2 * JsonTree.MAX_DEPTH) + "}";
    assertThrows(
        IOException.class, () -> JsonTree.parseObject(deep.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void fieldsABindingDoesNotNameAreSkippedNotBuilt() throws IOException {
    String json =
        "{\"metadata\":{\"name\":\"x\",\"resourceVersion\":\"1\"},"
            + "\"spec\":{\"syscalls\":["
            + "{\"names\":[\"read\"]},".repeat(1000)
            + "{}]},"
            + "\"data\":{\"k\":\"v\"}}";
    try (JsonParser p = JsonTree.FACTORY.createParser(json)) {
      p.nextToken();
      Map<String, Object> read = JsonTree.readObject(p, KubeObjects.CONFIG_MAP.fields());
      assertEquals(Set.of("metadata", "data"), read.keySet());
      assertNull(p.nextToken(), "the whole document was consumed");
    }
  }

  @Test
  void valuesKeepTheirTypesAndNullFieldsAreLeftOut() throws IOException {
    Map<String, Object> tree =
        JsonTree.parseObject(
            "{\"i\":7,\"l\":9007199254740993,\"t\":true,\"n\":null,\"a\":[\"x\",{}]}"
                .getBytes(StandardCharsets.UTF_8));

    assertEquals(7, ((Number) tree.get("i")).intValue());
    assertEquals(9007199254740993L, ((Number) tree.get("l")).longValue());
    assertEquals(Boolean.TRUE, tree.get("t"));
    assertEquals(List.of("x", Map.of()), tree.get("a"));
    assertEquals(
        "{\"i\":7,\"l\":9007199254740993,\"t\":true,\"a\":[\"x\",{}]}", JsonTree.write(tree));
  }

  /** The fields the agent reads of an object's metadata. */
  private static void assertRead(ObjectMeta expected, ObjectMeta actual) {
    assertEquals(expected.getName(), actual.getName());
    assertEquals(expected.getNamespace(), actual.getNamespace());
    assertEquals(expected.getUid(), actual.getUid());
    assertEquals(expected.getResourceVersion(), actual.getResourceVersion());
    assertEquals(expected.getLabels(), actual.getLabels());
    assertEquals(expected.getAnnotations(), actual.getAnnotations());
    assertEquals(expected.getOwnerReferences().size(), actual.getOwnerReferences().size());
    for (int i = 0; i < expected.getOwnerReferences().size(); i++) {
      var e = expected.getOwnerReferences().get(i);
      var a = actual.getOwnerReferences().get(i);
      assertEquals(
          List.of(e.getApiVersion(), e.getKind(), e.getName(), e.getUid()),
          List.of(a.getApiVersion(), a.getKind(), a.getName(), a.getUid()));
    }
  }
}
