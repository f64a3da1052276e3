package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.attacks.AttackCorpus;
import dev.leastprivilege.core.attacks.JsonPatches;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attack corpus through the HTTPS endpoint, with AdmissionReviews shaped as the API server
 * sends them: Pod CREATE, and the pods/ephemeralcontainers UPDATE of Kubernetes 1.20 (an
 * EphemeralContainers object).
 */
class AttackCorpusEndpointTest {
  private static final AttackCorpus CORPUS = AttackCorpus.load();

  /** The pods "stored" so far, whose metadata the webhook reads for an EphemeralContainers body. */
  private static final Map<String, JsonNode> STORED = new ConcurrentHashMap<>();

  private static TestWebhook webhook;
  private static AdmissionClient client;

  /** What the endpoint answered: the patched object when allowed. */
  private record Answer(
      boolean allowed,
      String message,
      ObjectNode patched,
      List<String> warnings,
      boolean changes) {}

  static Stream<AttackCorpus.Case> cases() {
    return CORPUS.cases().stream();
  }

  @BeforeAll
  static void start() throws Exception {
    webhook =
        TestWebhook.start(
            ns -> {
              AttackCorpus.Namespace n = CORPUS.namespace(ns);
              return n == null ? NamespacePolicies.EMPTY : n.view();
            },
            new ClusterReads() {
              public Optional<JsonNode> podMetadata(String ns, String name) {
                return Optional.ofNullable(STORED.get(ns + "/" + name));
              }

              public OptionalInt minorVersion() {
                return OptionalInt.of(20);
              }
            },
            new SimpleMeterRegistry());
    client = webhook.client();
  }

  @AfterAll
  static void stop() {
    webhook.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachAttackIsRefusedOrNeutralisedOverHttps(AttackCorpus.Case c) throws Exception {
    ObjectNode pod = AttackCorpus.pod(c);
    Answer created = send(review(c, "CREATE", "", "Pod", pod, null));
    if (c.ephemeral().isEmpty()) {
      check(
          c,
          created,
          created.allowed() ? AttackCorpus.podSecurityContexts(created.patched()) : Map.of());
      if (created.allowed()) {
        assertEquals(
            c.annotated(), AttackCorpus.annotated(c, created.patched()), c + ": annotations");
        Answer again = send(review(c, "CREATE", "", "Pod", created.patched(), null));
        assertTrue(
            again.allowed() && !again.changes(), c + ": admitting the result again changed it");
      }
      return;
    }
    assertTrue(created.allowed(), "the target pod is admitted: " + created.message());
    STORED.put(c.namespace() + "/" + c.id(), created.patched().path("metadata"));
    // As the API server sends it on 1.20: name and namespace only, no labels or annotations.
    ObjectNode old =
        AttackCorpus.YAML
            .createObjectNode()
            .put("apiVersion", "v1")
            .put("kind", "EphemeralContainers");
    old.putObject("metadata").put("name", c.id()).put("namespace", c.namespace());
    old.putArray("ephemeralContainers");
    ObjectNode update = old.deepCopy();
    c.ephemeral().forEach(e -> update.withArray("ephemeralContainers").add(e.deepCopy()));
    // The API server here is 1.20, which refuses a securityContext on an ephemeral container.
    Answer added =
        send(review(c, "UPDATE", "ephemeralcontainers", "EphemeralContainers", update, old));
    check(
        c.before121(),
        added,
        added.allowed()
            ? AttackCorpus.securityContexts(added.patched().path("ephemeralContainers"))
            : Map.of());
    // 1.22 and later: the whole pod, whose body a client may edit; oldObject is the stored pod.
    ObjectNode podUpdate = created.patched().deepCopy();
    c.ephemeral()
        .forEach(e -> podUpdate.with("spec").withArray("ephemeralContainers").add(e.deepCopy()));
    if (c.ephemeralLabels().isObject()) {
      podUpdate.with("metadata").set("labels", c.ephemeralLabels().deepCopy());
    }
    Answer asPod =
        send(review(c, "UPDATE", "ephemeralcontainers", "Pod", podUpdate, created.patched()));
    check(
        c,
        asPod,
        asPod.allowed()
            ? AttackCorpus.securityContexts(
                asPod.patched().path("spec").path("ephemeralContainers"))
            : Map.of());
  }

  private static void check(AttackCorpus.Case c, Answer a, Map<String, JsonNode> stored) {
    if (c.isRefused()) {
      assertFalse(a.allowed(), c + " must be refused");
      c.refused()
          .forEach(
              r ->
                  assertTrue(
                      a.message().contains(r),
                      c + ": \"" + a.message() + "\" lacks \"" + r + "\""));
      return;
    }
    assertTrue(a.allowed(), c + " must be admitted: " + a.message());
    assertEquals(c.admitted(), stored, c.toString());
    c.warnings()
        .forEach(
            w ->
                assertTrue(
                    a.warnings().stream().anyMatch(x -> x.contains(w)), c + ": " + a.warnings()));
    c.annotationsRemoved()
        .forEach(k -> assertFalse(a.patched().path("metadata").path("annotations").has(k), k));
  }

  private static Answer send(ObjectNode review) throws Exception {
    var response = client.post(review.toString());
    assertEquals(200, response.statusCode(), response.body());
    JsonNode r = AdmissionReviews.JSON.readTree(response.body()).path("response");
    assertEquals(review.path("request").path("uid").asText(), r.path("uid").asText());
    List<String> warnings = new ArrayList<>();
    r.path("warnings").forEach(w -> warnings.add(w.asText()));
    ObjectNode object = (ObjectNode) review.path("request").path("object");
    boolean changes = r.has("patch");
    ObjectNode patched =
        changes
            ? JsonPatches.apply(
                object,
                AdmissionReviews.JSON.readTree(
                    Base64.getDecoder().decode(r.path("patch").asText())))
            : object;
    return new Answer(
        r.path("allowed").asBoolean(),
        r.path("status").path("message").asText(""),
        patched,
        warnings,
        changes);
  }

  private static ObjectNode review(
      AttackCorpus.Case c,
      String operation,
      String subResource,
      String kind,
      ObjectNode object,
      ObjectNode oldObject) {
    ObjectNode review =
        AdmissionReviews.JSON
            .createObjectNode()
            .put("apiVersion", "admission.k8s.io/v1")
            .put("kind", "AdmissionReview");
    ObjectNode request =
        review
            .putObject("request")
            .put("uid", c.id() + "-" + operation)
            .put("operation", operation)
            .put("namespace", c.namespace())
            .put("subResource", subResource);
    request.putObject("kind").put("group", "").put("version", "v1").put("kind", kind);
    request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
    request.set("object", object);
    if (oldObject != null) {
      request.set("oldObject", oldObject);
    }
    return review;
  }
}
