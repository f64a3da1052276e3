package dev.leastprivilege.core.attacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.core.admission.RecordingCandidate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attack corpus (attacks/corpus.yaml on the test class path): pods that ask for more privilege
 * than their namespace allows, and what each layer must answer. Read by every layer's runner, so
 * one list of attacks is proven everywhere.
 */
public final class AttackCorpus {
  public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A profile of the corpus: it denies chmod; an invalid one names an unknown syscall and never
   * gets a file.
   */
  public record Profile(String name, Mode mode, JsonNode podSelector, boolean invalid) {
    /** The SeccompProfile manifest, as a user would apply it. */
    public String manifest(String namespace) {
      ObjectNode spec =
          JSON.createObjectNode().put("defaultAction", "SCMP_ACT_ALLOW").put("mode", mode.name());
      spec.putArray("syscalls")
          .addObject()
          .put("action", "SCMP_ACT_ERRNO")
          .putArray("names")
          .add(invalid ? "chmodd" : "chmod");
      if (podSelector != null) {
        spec.set("podSelector", podSelector);
      }
      return AttackCorpus.manifest("SeccompProfile", namespace, name, spec);
    }
  }

  /** A CapabilityPolicy of the corpus, its spec as written. */
  public record Policy(String name, ObjectNode spec) {
    public String manifest(String namespace) {
      return AttackCorpus.manifest("CapabilityPolicy", namespace, name, spec);
    }
  }

  /**
   * A ProfileRecording of the corpus: its spec as written, and the phase its status has when the
   * cases run. In phase Recording, in a namespace that allows recording, the operator has made its
   * recording profile (an installed Audit SeccompProfile that selects no pod).
   */
  public record Recording(String name, ObjectNode spec, RecordingPhase phase) {
    public String manifest(String namespace) {
      return AttackCorpus.manifest(ProfileRecording.KIND, namespace, name, spec);
    }

    /** The name of the SeccompProfile the operator makes for it. */
    public String profileName() {
      return ProfileRecording.recordingProfileName(name);
    }

    /**
     * Its recording profile as the operator makes it: owned by the recording (whose uid is given),
     * labelled with it, Audit mode over the default base, no rules, no podSelector.
     */
    public String profileManifest(String namespace, String recordingUid) {
      ObjectNode spec =
          JSON.createObjectNode()
              .put("mode", Mode.Audit.name())
              .put("defaultAction", "SCMP_ACT_ERRNO")
              .put("baseProfileName", "builtin:runtime-baseline");
      ObjectNode m =
          JSON.createObjectNode()
              .put("apiVersion", ApiNames.API_VERSION)
              .put("kind", SeccompProfile.KIND);
      ObjectNode metadata =
          m.putObject("metadata").put("name", profileName()).put("namespace", namespace);
      m.set("spec", spec);
      metadata.putObject("labels").put(ApiNames.RECORDED_BY_LABEL, name);
      metadata
          .putArray("ownerReferences")
          .addObject()
          .put("apiVersion", ApiNames.API_VERSION)
          .put("kind", ProfileRecording.KIND)
          .put("name", name)
          .put("uid", recordingUid)
          .put("controller", true)
          .put("blockOwnerDeletion", true);
      return m.toString();
    }
  }

  /** One namespace's objects, and its labels (the recording opt-in). */
  public record Namespace(
      String name,
      Map<String, String> labels,
      List<Profile> profiles,
      List<Policy> policies,
      List<Recording> recordings) {
    public boolean recordingAllowed() {
      return new NamespacePolicies(labels, List.of(), List.of()).recordingAllowed();
    }

    /**
     * The recording profiles of the recordings in phase Recording, as the operator makes them where
     * recording is allowed (and deletes them once a recording is over).
     */
    public List<Profile> recordingProfiles() {
      return recordingAllowed()
          ? recordings.stream()
              .filter(r -> r.phase() == RecordingPhase.Recording)
              .map(r -> new Profile(r.profileName(), Mode.Audit, null, false))
              .toList()
          : List.of();
    }

    /**
     * The planner's view of the namespace, as the webhook's cache builds it once every profile is
     * installed. The recordings were created in the order they are listed.
     */
    public NamespacePolicies view() {
      List<Profile> all = new ArrayList<>(profiles);
      all.addAll(recordingProfiles());
      List<ProfileCandidate> p =
          all.stream()
              .map(
                  x ->
                      new ProfileCandidate(
                          new ProfileRef(name, x.name()),
                          x.podSelector() == null
                              ? null
                              : JSON.convertValue(x.podSelector(), PodSelector.class),
                          List.of(),
                          x.mode(),
                          !x.invalid(),
                          x.invalid() ? "Failed" : "Installed, 1/1 nodes",
                          x.invalid()
                              ? "spec.syscalls[0].names[0]: unknown syscall \"chmodd\""
                              : null))
              .toList();
      List<PolicyCandidate> c =
          policies.stream()
              .map(
                  x ->
                      PolicyCandidate.of(
                          x.name(), JSON.convertValue(x.spec(), CapabilityPolicySpec.class)))
              .toList();
      List<RecordingCandidate> r = new ArrayList<>();
      for (int i = 0; i < recordings.size(); i++) {
        Recording x = recordings.get(i);
        ProfileRecordingSpec spec = JSON.convertValue(x.spec(), ProfileRecordingSpec.class);
        r.add(
            new RecordingCandidate(
                x.name(),
                spec.getPodSelector(),
                spec.getContainerNames(),
                new HashSet<>(spec.getRecord()),
                x.phase(),
                Instant.EPOCH.plusSeconds(i)));
      }
      return new NamespacePolicies(labels, p, c, r);
    }
  }

  /** One attack and what must come of it. */
  public record Case(
      String id,
      String namespace,
      ObjectNode pod,
      List<ObjectNode> ephemeral,
      JsonNode ephemeralLabels,
      List<String> refused,
      Map<String, JsonNode> admitted,
      List<String> warnings,
      List<String> annotationsRemoved,
      Map<String, String> annotated,
      String plannerOnly,
      List<String> refusedBefore121) {
    public boolean isRefused() {
      return !refused.isEmpty();
    }

    /**
     * What must come of the case's ephemeral containers on Kubernetes 1.20, whose API server
     * refuses any securityContext on them: the same, unless the case says they are refused there.
     */
    public Case before121() {
      return refusedBefore121.isEmpty()
          ? this
          : new Case(
              id,
              namespace,
              pod,
              ephemeral,
              ephemeralLabels,
              refusedBefore121,
              Map.of(),
              List.of(),
              List.of(),
              Map.of(),
              plannerOnly,
              refusedBefore121);
    }

    /** Whether a Kubernetes 1.20 API server can be sent this case as written. */
    public boolean reachesApiServer120() {
      return plannerOnly == null;
    }

    @Override
    public String toString() {
      return id + " in " + namespace;
    }
  }

  private final Map<String, Namespace> namespaces;
  private final List<Case> cases;

  private AttackCorpus(Map<String, Namespace> namespaces, List<Case> cases) {
    this.namespaces = namespaces;
    this.cases = cases;
  }

  public static AttackCorpus load() {
    try (InputStream in = AttackCorpus.class.getResourceAsStream("/attacks/corpus.yaml")) {
      JsonNode root = YAML.readTree(in);
      Map<String, Namespace> namespaces = new LinkedHashMap<>();
      root.path("namespaces")
          .fields()
          .forEachRemaining(e -> namespaces.put(e.getKey(), namespace(e.getKey(), e.getValue())));
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : root.path("cases")) {
        Map<String, JsonNode> admitted = new LinkedHashMap<>();
        c.path("admitted").fields().forEachRemaining(e -> admitted.put(e.getKey(), e.getValue()));
        List<ObjectNode> ephemeral = new ArrayList<>();
        c.path("ephemeral").forEach(x -> ephemeral.add((ObjectNode) x));
        cases.add(
            new Case(
                c.path("pod").path("metadata").path("name").asText(),
                c.path("namespace").asText(),
                (ObjectNode) c.path("pod"),
                ephemeral,
                c.path("ephemeralLabels"),
                texts(c.path("refused")),
                admitted,
                texts(c.path("warnings")),
                texts(c.path("annotationsRemoved")),
                strings(c.path("annotations")),
                c.path("planner-only").asText(null),
                texts(c.path("refusedBefore121"))));
      }
      return new AttackCorpus(namespaces, cases);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public List<Case> cases() {
    return cases;
  }

  public Map<String, Namespace> namespaces() {
    return namespaces;
  }

  public Namespace namespace(String name) {
    return namespaces.get(name);
  }

  /** The pod to create: the case's pod with its namespace. */
  public static ObjectNode pod(Case c) {
    ObjectNode pod = c.pod().deepCopy();
    pod.put("apiVersion", "v1").put("kind", "Pod");
    pod.with("metadata").put("namespace", c.namespace());
    return pod;
  }

  /**
   * The securityContext of each container of a stored pod's list (containers, initContainers...).
   */
  public static Map<String, JsonNode> securityContexts(JsonNode containers) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (Iterator<JsonNode> it = containers.elements(); it.hasNext(); ) {
      JsonNode c = it.next();
      if (c.has("securityContext")) {
        out.put(c.path("name").asText(), c.path("securityContext"));
      }
    }
    return out;
  }

  /** Every container's securityContext of a stored pod, init and regular (not ephemeral). */
  public static Map<String, JsonNode> podSecurityContexts(JsonNode pod) {
    Map<String, JsonNode> out =
        new LinkedHashMap<>(securityContexts(pod.path("spec").path("initContainers")));
    out.putAll(securityContexts(pod.path("spec").path("containers")));
    return out;
  }

  /**
   * The annotations of {@code pod} that the case names, with the values the pod has (null when
   * absent), to compare with {@link Case#annotated()}.
   */
  public static Map<String, String> annotated(Case c, JsonNode pod) {
    Map<String, String> out = new LinkedHashMap<>();
    c.annotated()
        .keySet()
        .forEach(k -> out.put(k, pod.path("metadata").path("annotations").path(k).asText(null)));
    return out;
  }

  private static Namespace namespace(String name, JsonNode n) {
    List<Profile> profiles = new ArrayList<>();
    for (JsonNode p : n.path("profiles")) {
      profiles.add(
          new Profile(
              p.path("name").asText(),
              Mode.valueOf(p.path("mode").asText("Enforce")),
              p.has("podSelector") ? p.path("podSelector") : null,
              p.path("invalid").asBoolean(false)));
    }
    List<Policy> policies = new ArrayList<>();
    for (JsonNode p : n.path("policies")) {
      policies.add(new Policy(p.path("name").asText(), (ObjectNode) p.path("spec")));
    }
    List<Recording> recordings = new ArrayList<>();
    for (JsonNode r : n.path("recordings")) {
      recordings.add(
          new Recording(
              r.path("name").asText(),
              (ObjectNode) r.path("spec"),
              RecordingPhase.valueOf(r.path("phase").asText())));
    }
    return new Namespace(name, strings(n.path("labels")), profiles, policies, recordings);
  }

  private static String manifest(String kind, String namespace, String name, ObjectNode spec) {
    ObjectNode m =
        JSON.createObjectNode().put("apiVersion", "leastprivilege.dev/v1alpha1").put("kind", kind);
    m.putObject("metadata").put("name", name).put("namespace", namespace);
    m.set("spec", spec);
    return m.toString();
  }

  private static Map<String, String> strings(JsonNode map) {
    Map<String, String> out = new LinkedHashMap<>();
    map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
