package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.admission.AdmissionPlan;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.attacks.AttackCorpus;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookServer;
import dev.leastprivilege.webhook.tls.CertificateIssuer;
import dev.leastprivilege.webhook.tls.KeyMaterial;
import dev.leastprivilege.webhook.tls.ReloadingKeyManager;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attack corpus (core's attacks/corpus.yaml) through a real kube-apiserver (the pinned 1.20
 * with Debian's kubectl unless other binaries are given: KubernetesBinaries), the operator, one
 * agent and the webhook registered as the Helm chart registers it (pods CREATE and
 * pods/ephemeralcontainers UPDATE, reinvocationPolicy: IfNeeded). Every pod is created as a user
 * creates it, and the assertions are on what kubectl prints and on what the API server stored: the
 * same checks as AttackCorpusTest makes on the pure planner, after the API server's own defaulting,
 * validation and field/annotation syncing.
 */
class AttackCorpusIT {
  private static final AttackCorpus CORPUS = AttackCorpus.load();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration T = Duration.ofSeconds(60);
  private static final String CONFIG = "lpo-it";

  /**
   * Sorted after {@link #CONFIG}: the API server calls mutating webhook configurations in name
   * order.
   */
  private static final String LATE_CONFIG = "zz-late-it";

  @RegisterExtension
  static final Cluster cluster =
      new Cluster()
          .nodes("n1")
          .operator()
          .agents()
          .webhook(CONFIG, AttackCorpusIT::webhookConfiguration);

  static Stream<AttackCorpus.Case> podCases() {
    return CORPUS.cases().stream().filter(c -> c.ephemeral().isEmpty());
  }

  static Stream<AttackCorpus.Case> ephemeralCases() {
    return CORPUS.cases().stream().filter(c -> !c.ephemeral().isEmpty());
  }

  @BeforeAll
  static void applyTheCorpusPolicies() throws Exception {
    CORPUS.namespaces().keySet().forEach(cluster::namespace);
    for (AttackCorpus.Namespace ns : CORPUS.namespaces().values()) {
      // As a cluster administrator labels a namespace (the recording opt-in).
      for (Map.Entry<String, String> label : ns.labels().entrySet()) {
        ok(
            kubectl()
                .run(
                    null,
                    "label",
                    "namespace",
                    ns.name(),
                    label.getKey() + "=" + label.getValue(),
                    "--overwrite"));
      }
      applyRecordings(ns);
      for (AttackCorpus.Profile p : ns.profiles()) {
        ok(kubectl().apply(p.manifest(ns.name())));
      }
      for (AttackCorpus.Policy p : ns.policies()) {
        ok(kubectl().apply(p.manifest(ns.name())));
      }
    }
    for (AttackCorpus.Namespace ns : CORPUS.namespaces().values()) {
      List<AttackCorpus.Profile> profiles = new ArrayList<>(ns.profiles());
      profiles.addAll(ns.recordingProfiles());
      for (AttackCorpus.Profile p : profiles) {
        ProfilePhase expected = p.invalid() ? ProfilePhase.Failed : ProfilePhase.Installed;
        await()
            .atMost(T)
            .untilAsserted(
                () -> {
                  SeccompProfile s = cluster.profile(ns.name(), p.name());
                  assertTrue(
                      s.getStatus() != null
                          && expected == s.getStatus().getPhase()
                          && s.getMetadata()
                              .getGeneration()
                              .equals(s.getStatus().getObservedGeneration()),
                      () ->
                          "SeccompProfile "
                              + ns.name()
                              + "/"
                              + p.name()
                              + " "
                              + expected
                              + ": "
                              + status(s));
                });
      }
      for (AttackCorpus.Policy p : ns.policies()) {
        await()
            .atMost(T)
            .untilAsserted(
                () -> {
                  CapabilityPolicy c = policy(ns.name(), p.name());
                  assertTrue(
                      c.getStatus() != null
                          && c.getMetadata()
                              .getGeneration()
                              .equals(c.getStatus().getObservedGeneration()),
                      () ->
                          "CapabilityPolicy "
                              + ns.name()
                              + "/"
                              + p.name()
                              + " observed: "
                              + status(c));
                });
      }
      // The webhook's informers see the statuses a little after the operator wrote them.
      await()
          .atMost(T)
          .untilAsserted(
              () ->
                  assertTrue(
                      webhookSees(ns),
                      () ->
                          "the webhook's view of "
                              + ns.name()
                              + ": "
                              + webhook().cache().forNamespace(ns.name())));
    }
    // The API server loads webhook configurations (and the caBundle the webhook wrote)
    // asynchronously: wait until
    // a dry run of a pod in an Enforce namespace comes back patched.
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              JsonNode probe = dryRun(pod("probe", "locked", Map.of()));
              assertTrue(
                  probe != null
                      && "Localhost"
                          .equals(
                              probe
                                  .path("spec")
                                  .path("containers")
                                  .path(0)
                                  .path("securityContext")
                                  .path("seccompProfile")
                                  .path("type")
                                  .asText()),
                  () -> "the API server calls the webhook: " + probe);
            });
  }

  /**
   * The corpus's ProfileRecordings, and what the operator does for them: the recording profile
   * (owned by the recording) of each one in phase Recording where the namespace allows recording,
   * and the phase the corpus gives each, written only where no reconciler has written one: where
   * the operator runs recordings itself, it makes the profile too and drives the phase, and {@link
   * #webhookSees} waits for a phase under which the cases hold.
   */
  private static void applyRecordings(AttackCorpus.Namespace ns) throws Exception {
    for (AttackCorpus.Recording r : ns.recordings()) {
      ok(kubectl().apply(r.manifest(ns.name())));
      ProfileRecording stored = recording(ns.name(), r.name());
      if (ns.recordingProfiles().stream().anyMatch(p -> p.name().equals(r.profileName()))) {
        ok(kubectl().apply(r.profileManifest(ns.name(), stored.getMetadata().getUid())));
      }
      // A write that loses to the operator's (409 Conflict) is read again, and then left alone.
      await()
          .atMost(T)
          .ignoreException(KubernetesClientException.class)
          .untilAsserted(
              () -> {
                if (phase(recording(ns.name(), r.name())) == null) {
                  client()
                      .resources(ProfileRecording.class)
                      .inNamespace(ns.name())
                      .withName(r.name())
                      .editStatus(
                          x -> {
                            if (x.getStatus() == null) {
                              x.setStatus(new ProfileRecordingStatus());
                            }
                            x.getStatus().setPhase(r.phase());
                            return x;
                          });
                }
                assertNotNull(phase(recording(ns.name(), r.name())));
              });
    }
  }

  private static RecordingPhase phase(ProfileRecording r) {
    return r.getStatus() == null ? null : r.getStatus().getPhase();
  }

  private static ProfileRecording recording(String ns, String name) {
    return client().resources(ProfileRecording.class).inNamespace(ns).withName(name).get();
  }

  static KubernetesClient client() {
    return cluster.client();
  }

  static Kubectl kubectl() throws IOException {
    return cluster.kubectl();
  }

  static Webhook webhook() {
    return cluster.webhook();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("podCases")
  void eachAttackIsRefusedOrNeutralisedByTheApiServer(AttackCorpus.Case c) throws Exception {
    assumeTrue(c.reachesApiServer120(), () -> "planner-only: " + c.plannerOnly());
    long calls = admissions();
    Kubectl.Result r = create(AttackCorpus.pod(c));
    awaitAdmissions(calls + 1, c);
    if (c.isRefused()) {
      assertRefusedSaying(c, r);
      assertTrue(
          kubectl().run(null, "get", "pod", c.id(), "-n", c.namespace()).err().contains("NotFound"),
          c + " was stored although refused");
      return;
    }
    assertEquals(0, r.exit(), c + " must be admitted: " + r.err());
    JsonNode stored = storedPod(c.namespace(), c.id());
    assertEquals(
        c.admitted(), AttackCorpus.podSecurityContexts(stored), c + ": stored securityContexts");
    c.warnings()
        .forEach(
            w ->
                assertTrue(
                    warnings(r).stream().anyMatch(x -> x.contains(w)),
                    c + ": no warning says \"" + w + "\": " + r.err()));
    assertAnnotationsRemoved(c, stored);
    assertEquals(c.annotated(), AttackCorpus.annotated(c, stored), c + ": stored annotations");

    // Idempotence: the stored pod, created again as it is, comes back as it went in.
    double unchangedBefore = admissions("unchanged");
    ObjectNode again = resubmittable(stored, c.id() + "-again");
    Kubectl.Result second = create(again);
    awaitAdmissions(calls + 2, c);
    assertEquals(
        0, second.exit(), c + ": the stored pod, created again, is refused: " + second.err());
    assertFalse(
        warnings(second).stream().anyMatch(w -> w.contains("replaced")),
        c + ": creating the stored pod again" + " replaces a seccompProfile: " + second.err());
    assertEquals(
        AttackCorpus.podSecurityContexts(stored),
        AttackCorpus.podSecurityContexts(storedPod(c.namespace(), c.id() + "-again")),
        c + ": the stored pod, created again, is stored differently");
    assertEquals(
        unchangedBefore + 1,
        admissions("unchanged"),
        () ->
            c
                + ": the webhook patched the stored pod again ("
                + outcomes()
                + "); the planner's patch for it: "
                + replan(again, c.namespace()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ephemeralCases")
  void kubectlDebugGetsTheSameRulesAsAnyContainer(AttackCorpus.Case corpusCase) throws Exception {
    assumeTrue(corpusCase.reachesApiServer120(), () -> "planner-only: " + corpusCase.plannerOnly());
    // Kubernetes 1.16 to 1.20 forbid a securityContext on an ephemeral container (allowed from
    // 1.21,
    // kubernetes/kubernetes#99023): there the webhook refuses, with its own message, what it would
    // patch.
    AttackCorpus.Case c =
        ephemeralContainersMayHaveASecurityContext() ? corpusCase : corpusCase.before121();
    long calls = admissions();
    Kubectl.Result created = create(AttackCorpus.pod(c));
    assertEquals(0, created.exit(), c + ": the target pod must be admitted: " + created.err());
    awaitAdmissions(calls + 1, c);
    // An UPDATE may call the webhook twice: the API server first tries it on the object of its
    // watch cache, and
    // when that fails (a refusal too) once more on the object read from etcd.
    // The 1.20 body is an EphemeralContainers object: a client that wants to dodge selectors puts
    // its labels in its
    // metadata (the API server stores only the ephemeral containers of it).
    Kubectl.Result r = addEphemeral(c.namespace(), c.id(), c.ephemeral(), c.ephemeralLabels());
    awaitAtLeast(calls + 2, c);
    if (c.isRefused()) {
      assertRefusedSaying(c, r);
      assertEquals(
          0,
          storedPod(c.namespace(), c.id()).path("spec").path("ephemeralContainers").size(),
          c + ": an ephemeral container was stored although refused");
      return;
    }
    assertEquals(0, r.exit(), c + " must be admitted: " + r.err());
    JsonNode ephemeral = storedPod(c.namespace(), c.id()).path("spec").path("ephemeralContainers");
    assertEquals(
        c.admitted(),
        AttackCorpus.securityContexts(ephemeral),
        c + ": stored ephemeral securityContexts");
    c.warnings()
        .forEach(
            w ->
                assertTrue(
                    warnings(r).stream().anyMatch(x -> x.contains(w)),
                    c + ": no warning says \"" + w + "\": " + r.err()));

    // Idempotence: the stored ephemeral containers, added again under other names, are stored as
    // they were.
    List<ObjectNode> copies = new ArrayList<>();
    for (JsonNode e : ephemeral) {
      copies.add(((ObjectNode) e.deepCopy()).put("name", e.path("name").asText() + "-again"));
    }
    Map<String, Double> before = outcomeCounts();
    Kubectl.Result second = addEphemeral(c.namespace(), c.id(), copies, c.ephemeralLabels());
    awaitAtLeast((long) before.values().stream().mapToDouble(d -> d).sum() + 1, c);
    assertEquals(
        0,
        second.exit(),
        c + ": the stored ephemeral containers, added again, are refused: " + second.err());
    assertFalse(
        warnings(second).stream().anyMatch(w -> w.contains("replaced")),
        c
            + ": adding the stored ephemeral"
            + " containers again replaces a seccompProfile: "
            + second.err());
    Map<String, JsonNode> after =
        AttackCorpus.securityContexts(
            storedPod(c.namespace(), c.id()).path("spec").path("ephemeralContainers"));
    c.admitted()
        .forEach(
            (name, sc) -> assertEquals(sc, after.get(name + "-again"), c + ": " + name + "-again"));
    Map<String, Double> now = outcomeCounts();
    assertEquals(
        List.of(before.get("patched"), before.get("refused")),
        List.of(now.get("patched"), now.get("refused")),
        c
            + ": the webhook patched or refused the stored ephemeral containers, added again ("
            + outcomes()
            + ")");
  }

  /**
   * Issue 10 item 8: a mutating webhook the API server calls after ours (its configuration sorts
   * after ours) adds a container. With reinvocationPolicy: IfNeeded the API server calls ours
   * again, which refuses the capability the namespace does not allow, and patches a container that
   * asks for none.
   */
  @Test
  void aWebhookCalledAfterOursCannotSlipInAContainer() throws Exception {
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("late webhook CA");
    CertificateIssuer.Issued serving =
        CertificateIssuer.serving(ca, List.of(), List.of("127.0.0.1"));
    ReloadingKeyManager keys =
        new ReloadingKeyManager(
            KeyMaterial.fixed(serving.certificate(), serving.privateKey(), "late webhook"));
    assertTrue(keys.refresh());
    AtomicInteger calls = new AtomicInteger();
    try (WebhookServer late =
        WebhookServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            keys,
            exchange -> addLateContainer(exchange, calls))) {
      ok(kubectl().apply(lateConfiguration(late.port(), ca.certificate())));
      // The API server picks the new configuration up asynchronously: wait until a dry run gets the
      // container.
      await()
          .atMost(T)
          .untilAsserted(
              () -> {
                JsonNode probe = dryRun(pod("late-probe", "locked", Map.of("late", "plain")));
                assertTrue(
                    probe != null && probe.path("spec").path("containers").size() == 2,
                    () ->
                        "the API server calls the late webhook ("
                            + calls.get()
                            + " calls so far): "
                            + probe);
              });

      // Ours is called twice for each pod: first, and again after the late webhook changed the pod.
      long ours = admissions();
      Kubectl.Result refused = create(pod("late-sys-admin", "locked", Map.of("late", "true")));
      awaitAdmissions(ours + 2, "late-sys-admin");
      assertNotEquals(
          0, refused.exit(), "the late SYS_ADMIN container was admitted: " + refused.err());
      assertTrue(
          refused
              .err()
              .contains(
                  "container late asks for capability SYS_ADMIN, which CapabilityPolicy"
                      + " drop-all does not allow"),
          refused.err());

      Kubectl.Result admitted = create(pod("late-plain", "locked", Map.of("late", "plain")));
      awaitAdmissions(ours + 4, "late-plain");
      assertEquals(0, admitted.exit(), admitted.err());
      Map<String, JsonNode> stored =
          AttackCorpus.podSecurityContexts(storedPod("locked", "late-plain"));
      JsonNode confined =
          JSON.readTree(
              "{\"seccompProfile\": {\"type\": \"Localhost\", \"localhostProfile\":"
                  + " \"leastprivilege/locked/strict.json\"}, \"capabilities\": {\"drop\": [\"ALL\"]}}");
      assertEquals(Map.of("app", confined, "late", confined), stored);
    } finally {
      client()
          .admissionRegistration()
          .v1()
          .mutatingWebhookConfigurations()
          .withName(LATE_CONFIG)
          .delete();
    }
  }

  /**
   * The late webhook: adds container "late" to pods labelled late=true (with SYS_ADMIN) or
   * late=plain.
   */
  private static void addLateContainer(HttpExchange exchange, AtomicInteger calls)
      throws IOException {
    try (exchange) {
      calls.incrementAndGet();
      JsonNode request = JSON.readTree(exchange.getRequestBody()).path("request");
      JsonNode pod = request.path("object");
      String late = pod.path("metadata").path("labels").path("late").asText("");
      boolean has = false;
      for (JsonNode c : pod.path("spec").path("containers")) {
        has |= "late".equals(c.path("name").asText());
      }
      ObjectNode review =
          JSON.createObjectNode()
              .put("apiVersion", "admission.k8s.io/v1")
              .put("kind", "AdmissionReview");
      ObjectNode response =
          review
              .putObject("response")
              .put("uid", request.path("uid").asText())
              .put("allowed", true);
      if ("locked".equals(request.path("namespace").asText())
          && Set.of("true", "plain").contains(late)
          && !has) {
        ObjectNode container = JSON.createObjectNode().put("name", "late").put("image", "busybox");
        if ("true".equals(late)) {
          container
              .putObject("securityContext")
              .putObject("capabilities")
              .putArray("add")
              .add("SYS_ADMIN");
        }
        ArrayNode patch = JSON.createArrayNode();
        patch
            .addObject()
            .put("op", "add")
            .put("path", "/spec/containers/-")
            .set("value", container);
        response.put("patchType", "JSONPatch").put("patch", JSON.writeValueAsBytes(patch));
      }
      byte[] body = JSON.writeValueAsBytes(review);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  // --- what the API server stored, and what kubectl printed ---

  private static Kubectl.Result create(JsonNode manifest) throws IOException, InterruptedException {
    return kubectl().run(manifest.toString(), "create", "-f", "-");
  }

  /**
   * A pod as the API server would store it ({@code kubectl create --dry-run=server}), or null when
   * refused.
   */
  private static JsonNode dryRun(JsonNode manifest) {
    try {
      Kubectl.Result r =
          kubectl().run(manifest.toString(), "create", "--dry-run=server", "-o", "json", "-f", "-");
      return r.exit() == 0 ? JSON.readTree(r.out()) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode storedPod(String ns, String name)
      throws IOException, InterruptedException {
    Kubectl.Result r = kubectl().run(null, "get", "pod", name, "-n", ns, "-o", "json");
    assertEquals(0, r.exit(), r.err());
    return JSON.readTree(r.out());
  }

  /**
   * Adds ephemeral containers as kubectl debug does: a PUT to the pod's ephemeralcontainers
   * subresource with the ones it has and the new ones, and the given labels (when an object) in the
   * body's metadata. Kubernetes 1.16 to 1.21 take an EphemeralContainers object there; 1.22 and
   * later the Pod itself.
   */
  private static Kubectl.Result addEphemeral(
      String ns, String name, List<ObjectNode> containers, JsonNode labels)
      throws IOException, InterruptedException {
    JsonNode pod = storedPod(ns, name);
    ObjectNode body;
    ObjectNode metadata;
    ArrayNode list;
    if (RealApiServer.binaries().version().atLeast(1, 22)) {
      body = (ObjectNode) pod.deepCopy();
      metadata = (ObjectNode) body.path("metadata");
      list = ((ObjectNode) body.path("spec")).putArray("ephemeralContainers");
    } else {
      body = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "EphemeralContainers");
      metadata =
          body.putObject("metadata")
              .put("name", name)
              .put("namespace", ns)
              .put("resourceVersion", pod.path("metadata").path("resourceVersion").asText());
      list = body.putArray("ephemeralContainers");
    }
    if (labels.isObject()) {
      metadata.set("labels", labels.deepCopy());
    }
    pod.path("spec").path("ephemeralContainers").forEach(list::add);
    containers.forEach(list::add);
    Path file =
        Files.writeString(
            cluster.dir().resolve(name + "-ephemeral-" + System.nanoTime() + ".json"),
            body.toString());
    return kubectl()
        .run(
            null,
            "replace",
            "--raw",
            "/api/v1/namespaces/" + ns + "/pods/" + name + "/ephemeralcontainers",
            "-f",
            file.toString());
  }

  /**
   * Whether the API server accepts a securityContext on ephemeral containers: from Kubernetes 1.21.
   */
  private static boolean ephemeralContainersMayHaveASecurityContext() {
    var version = client().getKubernetesVersion();
    int major = Integer.parseInt(version.getMajor().replaceAll("\\D", ""));
    int minor = Integer.parseInt(version.getMinor().replaceAll("\\D", ""));
    return major > 1 || minor >= 21;
  }

  /** The admission warnings kubectl printed ("Warning: ..." on stderr). */
  private static List<String> warnings(Kubectl.Result r) {
    return r.err()
        .lines()
        .filter(l -> l.startsWith("Warning: "))
        .map(l -> l.substring("Warning: ".length()))
        .toList();
  }

  /**
   * The annotations the webhook removed are gone, with one exception the API server makes: from
   * 1.19 to 1.24 it copies each seccompProfile field into the deprecated annotation when a pod is
   * created (after admission, for kubelets older than 1.19), so a removed seccomp annotation comes
   * back, naming the profile of the stored field.
   */
  private static void assertAnnotationsRemoved(AttackCorpus.Case c, JsonNode stored) {
    JsonNode annotations = stored.path("metadata").path("annotations");
    for (String a : c.annotationsRemoved()) {
      if (annotations.has(a)) {
        assertEquals(
            seccompAnnotationFromField(stored, a),
            annotations.path(a).asText(),
            c
                + ": annotation "
                + a
                + " is still there and is not the API server's copy of the field: "
                + annotations);
      }
    }
  }

  /**
   * What the 1.20 API server writes into a deprecated seccomp annotation for the stored field, or
   * null.
   */
  private static String seccompAnnotationFromField(JsonNode pod, String annotation) {
    String prefix = "container.seccomp.security.alpha.kubernetes.io/";
    JsonNode field = null;
    if (annotation.equals("seccomp.security.alpha.kubernetes.io/pod")) {
      field = pod.path("spec").path("securityContext").path("seccompProfile");
    } else if (annotation.startsWith(prefix)) {
      for (String list : List.of("initContainers", "containers")) {
        for (JsonNode container : pod.path("spec").path(list)) {
          if (container.path("name").asText().equals(annotation.substring(prefix.length()))) {
            field = container.path("securityContext").path("seccompProfile");
          }
        }
      }
    }
    if (field == null) {
      return null;
    }
    return switch (field.path("type").asText()) {
      case "Localhost" -> "localhost/" + field.path("localhostProfile").asText();
      case "RuntimeDefault" -> "runtime/default";
      case "Unconfined" -> "unconfined";
      default -> null;
    };
  }

  /**
   * The stored pod without what the server sets, under another name: what a user would create from
   * it.
   */
  private static ObjectNode resubmittable(JsonNode stored, String name) {
    ObjectNode pod = stored.deepCopy();
    pod.remove("status");
    ObjectNode metadata = (ObjectNode) pod.get("metadata");
    metadata.remove(
        List.of(
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "selfLink",
            "generation"));
    metadata.put("name", name);
    return pod;
  }

  private static ObjectNode pod(String name, String ns, Map<String, String> labels) {
    ObjectNode pod = JSON.createObjectNode().put("apiVersion", "v1").put("kind", "Pod");
    ObjectNode metadata = pod.putObject("metadata").put("name", name).put("namespace", ns);
    if (!labels.isEmpty()) {
      labels.forEach(metadata.putObject("labels")::put);
    }
    pod.putObject("spec")
        .putArray("containers")
        .addObject()
        .put("name", "app")
        .put("image", "busybox");
    return pod;
  }

  // --- the product's state ---

  /**
   * Whether the webhook's cache has every profile (installed or without a file) and policy of the
   * namespace.
   */
  private static boolean webhookSees(AttackCorpus.Namespace ns) {
    NamespacePolicies view = webhook().cache().forNamespace(ns.name());
    Map<String, Boolean> expected = new LinkedHashMap<>();
    ns.profiles().forEach(p -> expected.put(p.name(), !p.invalid()));
    ns.recordingProfiles().forEach(p -> expected.put(p.name(), true));
    Map<String, RecordingPhase> phases = new LinkedHashMap<>();
    view.recordings().forEach(r -> phases.put(r.name(), r.phase()));
    for (AttackCorpus.Recording r : ns.recordings()) {
      // Where recording is not allowed, the operator's reconciler may have failed the recording
      // already: the cases there hold whatever its phase.
      boolean seen =
          phases.containsKey(r.name())
              && (!ns.recordingAllowed()
                  || (r.phase() == RecordingPhase.Recording)
                      == (phases.get(r.name()) == RecordingPhase.Recording));
      if (!seen) {
        return false;
      }
    }
    Map<String, Boolean> seen = new LinkedHashMap<>();
    view.profiles()
        .forEach(p -> seen.put(p.ref().name(), p.installed() && p.missingFile() == null));
    Set<String> policies =
        view.policies().stream().map(PolicyCandidate::name).collect(Collectors.toSet());
    return expected.equals(seen)
        && policies.equals(
            ns.policies().stream().map(AttackCorpus.Policy::name).collect(Collectors.toSet()));
  }

  private static CapabilityPolicy policy(String ns, String name) {
    return client().resources(CapabilityPolicy.class).inNamespace(ns).withName(name).get();
  }

  private static String status(Object resource) {
    return resource == null ? "absent" : client().getKubernetesSerialization().asJson(resource);
  }

  private static double admissions(String outcome) {
    return cluster.registry.get("lpo_webhook_admission").tag("outcome", outcome).timer().count();
  }

  /**
   * For a failure message: what the planner, with the webhook's current view, would patch in this
   * pod.
   */
  private static String replan(JsonNode pod, String ns) {
    AdmissionPlan plan =
        new MutationPlanner(Cluster.OPERATOR_NS)
            .plan(AdmittedPod.of(pod, ns), webhook().cache().forNamespace(ns));
    return plan.allowed()
        ? plan.patch() + " warnings " + plan.warnings()
        : "refused: " + plan.message();
  }

  /** Admissions the webhook answered so far, whatever the outcome. */
  private static long admissions() {
    return Stream.of("patched", "unchanged", "refused", "malformed")
        .mapToLong(o -> (long) admissions(o))
        .sum();
  }

  /**
   * Waits until the webhook has recorded this many admissions: it records one just after answering,
   * so the API server may have answered kubectl a moment before.
   */
  private static void awaitAdmissions(long total, Object c) {
    awaitAtLeast(total, c);
    assertEquals(
        total,
        admissions(),
        c
            + ": the API server called the webhook more often than once per request ("
            + outcomes()
            + ")");
  }

  private static void awaitAtLeast(long total, Object c) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertTrue(
                    admissions() >= total,
                    () ->
                        c
                            + ": the webhook answered "
                            + admissions()
                            + " admissions, not "
                            + total
                            + " ("
                            + outcomes()
                            + ")"));
  }

  private static Map<String, Double> outcomeCounts() {
    Map<String, Double> counts = new LinkedHashMap<>();
    Stream.of("patched", "unchanged", "refused", "malformed")
        .forEach(o -> counts.put(o, admissions(o)));
    return counts;
  }

  private static String outcomes() {
    return Stream.of("patched", "unchanged", "refused", "malformed")
        .map(o -> o + "=" + (long) admissions(o))
        .collect(Collectors.joining(", "));
  }

  /** kubectl failed, and its error says every part of the case's refusal. */
  private static void assertRefusedSaying(AttackCorpus.Case c, Kubectl.Result r) {
    assertNotEquals(0, r.exit(), c + " must be refused; kubectl said: " + r.out() + r.err());
    c.refused()
        .forEach(
            s ->
                assertTrue(
                    r.err().contains(s),
                    c + ": kubectl's error does not say \"" + s + "\": " + r.err()));
  }

  private static void ok(Kubectl.Result r) {
    assertEquals(0, r.exit(), r.out() + r.err());
  }

  /** Registered as the Helm chart registers it (templates/webhook().yaml), on 127.0.0.1. */
  private static String webhookConfiguration(int port) {
    return """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: %s}
        webhooks:
        - name: pods.leastprivilege.dev
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Fail
          timeoutSeconds: 5
          reinvocationPolicy: IfNeeded
          clientConfig: {url: "https://127.0.0.1:%d/mutate-pods"}
          rules:
          - {operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods], scope: Namespaced}
          - {operations: [UPDATE], apiGroups: [""], apiVersions: [v1], resources: [pods/ephemeralcontainers],
             scope: Namespaced}
          namespaceSelector:
            matchExpressions: [{key: leastprivilege.dev/ignore, operator: NotIn, values: ["true"]}]
        """
        .formatted(CONFIG, port);
  }

  /** Another vendor's webhook, called after ours, for the pods it adds a container to. */
  private static String lateConfiguration(int port, String caPem) {
    return """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: %s}
        webhooks:
        - name: late.example.com
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Fail
          timeoutSeconds: 5
          reinvocationPolicy: Never
          clientConfig: {url: "https://127.0.0.1:%d/mutate-pods", caBundle: %s}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
          objectSelector:
            matchExpressions: [{key: late, operator: In, values: ["true", plain]}]
        """
        .formatted(
            LATE_CONFIG,
            port,
            Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)));
  }
}
