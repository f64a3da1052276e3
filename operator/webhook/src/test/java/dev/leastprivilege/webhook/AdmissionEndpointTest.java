package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.ProfileCandidate;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The webhook's HTTPS endpoint as the API server uses it, with the planner behind it. */
class AdmissionEndpointTest {
  private static TestWebhook webhook;
  private static AdmissionClient client;
  private static String url;
  private static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

  @BeforeAll
  static void start() throws Exception {
    PodSelector web = new PodSelector();
    web.getMatchLabels().put("app", "web");
    NamespacePolicies team =
        new NamespacePolicies(
            Map.of(),
            List.of(
                new ProfileCandidate(
                    new ProfileRef("team", "p"), web, List.of(), Mode.Enforce, true, "Installed")),
            List.of());
    webhook =
        TestWebhook.start(
            ns -> ns.equals("team") ? team : NamespacePolicies.EMPTY,
            ClusterReads.none(),
            REGISTRY);
    url = webhook.url();
    client = webhook.client();
  }

  @AfterAll
  static void stop() {
    webhook.close();
  }

  @Test
  void aSelectedPodIsPatchedWithAJsonPatch() throws Exception {
    HttpResponse<String> r = client.post(review("CREATE", "team", "{'app':'web'}"));
    assertEquals(200, r.statusCode());
    JsonNode response = AdmissionReviews.JSON.readTree(r.body()).get("response");
    assertEquals("uid-1", response.get("uid").asText());
    assertTrue(response.get("allowed").asBoolean());
    assertEquals("JSONPatch", response.get("patchType").asText());
    JsonNode patch =
        AdmissionReviews.JSON.readTree(Base64.getDecoder().decode(response.get("patch").asText()));
    assertEquals("/spec/containers/0/securityContext", patch.get(0).get("path").asText());
    assertEquals(
        "leastprivilege/team/p.json",
        patch.get(0).at("/value/seccompProfile/localhostProfile").asText());
    assertTrue(
        REGISTRY.get("lpo_webhook_admission").tag("outcome", "patched").timer().count() >= 1);
  }

  @Test
  void aPodThatMatchesNothingIsAllowedWithoutPatch() throws Exception {
    JsonNode response =
        AdmissionReviews.JSON
            .readTree(client.post(review("CREATE", "team", "{'app':'db'}")).body())
            .get("response");
    assertTrue(response.get("allowed").asBoolean());
    assertFalse(response.has("patch"));
    assertFalse(response.has("warnings"));
  }

  @Test
  void aRefusalCarriesTheMessageAsA403Status() throws Exception {
    String body =
        review("CREATE", "team", "{'app':'x'}")
            .replace(
                "\"name\":\"c\"",
                "\"name\":\"c\",\"securityContext\":{\"seccompProfile\":{\"type\":\"Localhost\",\"localhostProfile\":"
                    + "\"leastprivilege/other/p.json\"}}");
    JsonNode response = AdmissionReviews.JSON.readTree(client.post(body).body()).get("response");
    assertFalse(response.get("allowed").asBoolean());
    assertEquals(403, response.at("/status/code").asInt());
    assertTrue(
        response.at("/status/message").asText().contains("is not a profile of namespace team"));
  }

  @Test
  void operationsOtherThanCreateAreAllowedUntouched() throws Exception {
    JsonNode response =
        AdmissionReviews.JSON
            .readTree(client.post(review("UPDATE", "team", "{'app':'web'}")).body())
            .get("response");
    assertTrue(response.get("allowed").asBoolean());
    assertFalse(response.has("patch"));
  }

  @Test
  void malformedReviewsGetA400NamingTheProblem() throws Exception {
    assertBadRequest("not json", "body is not JSON");
    assertBadRequest("[]", "body: expected an AdmissionReview object");
    assertBadRequest(
        "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}",
        "apiVersion/kind: expected admission.k8s.io/v1 AdmissionReview");
    assertBadRequest(
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
        "request: required");
    assertBadRequest(
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
        "request.uid: required");
    assertBadRequest(
        review("CREATE", "team", "{}")
            .replace("\"containers\":[", "\"containers\":{\"x\":[")
            .replace("]}}}", "]}}}}"),
        "request.object.spec.containers: expected a list");
    assertBadRequest(
        "{\"x\":\"" + "a".repeat(AdmissionHandler.MAX_BODY) + "\"}", "body: larger than");
    // The server is still up and answering.
    assertEquals(200, client.post(review("CREATE", "team", "{}")).statusCode());
  }

  private static void assertBadRequest(String body, String message) throws Exception {
    HttpResponse<String> r = client.post(body);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(
        AdmissionReviews.JSON.readTree(r.body()).get("error").asText().startsWith(message),
        r.body());
  }

  private static String review(String operation, String ns, String labels) {
    return ("{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'uid-1',"
            + "'kind':{'group':'','version':'v1','kind':'Pod'},'operation':'"
            + operation
            + "','namespace':'"
            + ns
            + "',"
            + "'object':{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':"
            + labels
            + "},"
            + "'spec':{'containers':[{'name':'c','image':'busybox'}]}}}}")
        .replace('\'', '"');
  }
}
