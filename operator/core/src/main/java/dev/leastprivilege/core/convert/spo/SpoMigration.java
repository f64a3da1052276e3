package dev.leastprivilege.core.convert.spo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * SPO's exported objects to ours: SeccompProfiles (their base profiles resolved within the export),
 * ProfileBindings folded into the profiles' podSelector, ProfileRecordings of seccomp; every other
 * SPO kind is skipped with a note naming it. An object that cannot be converted gets an error
 * naming its field, and the others are converted all the same. Every converted profile is compiled
 * as the operator will, so the output passes {@code lpo lint} (warnings allowed).
 */
public final class SpoMigration {
  public static final String GROUP = "security-profiles-operator.x-k8s.io";

  /** SPO's base profiles of the runtime, e.g. runc-v1.4.2: ours is builtin:runtime-baseline. */
  static final Pattern RUNTIME_BASE = Pattern.compile("^(runc|crun)-v[0-9][0-9.]*$");

  static final String OCI_PREFIX = "oci://";

  /** The label SPO puts on a recording's per-container profiles before it merges them. */
  static final String PARTIAL_LABEL = "spo.x-k8s.io/partial";

  /** The namespace label without which SPO's bindings do nothing. */
  static final String ENABLE_BINDING_LABEL = "spo.x-k8s.io/enable-binding";

  /** Labels and annotations SPO writes for itself; none of them means anything to us. */
  static final String SPO_KEY_PREFIX = "spo.x-k8s.io/";

  private static final Set<String> OTHER_PROFILE_KINDS =
      Set.of("SelinuxProfile", "RawSelinuxProfile", "AppArmorProfile");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The result: the objects, in input order, and what was said about the input. */
  public record Result(List<SpoMigrated> objects, List<SpoFinding> findings) {
    public boolean hasErrors() {
      return findings.stream().anyMatch(SpoFinding::isError);
    }
  }

  /** One SPO SeccompProfile of the input, and what became of it. */
  private static final class Profile {
    final String namespace; // null: cluster-scoped (SPO v0.9.0 and later)
    final String name;
    final JsonNode metadata;
    SeccompProfileSpec spec; // null when it was not converted
    String base; // our baseProfileName
    final Set<String> targets = new TreeSet<>();
    final Map<String, PodSelector> selectors = new HashMap<>();
    final Map<String, List<String>> notesByNamespace = new HashMap<>();
    final List<String> notes = new ArrayList<>();
    boolean disabled;

    Profile(String namespace, String name, JsonNode metadata) {
      this.namespace = namespace;
      this.name = name;
      this.metadata = metadata;
    }

    String key() {
      return key(namespace, name);
    }

    static String key(String namespace, String name) {
      return (namespace == null ? "" : namespace) + "/" + name;
    }

    String title() {
      return SpoMigration.title(SeccompProfile.KIND, namespace, name);
    }
  }

  private final SpoNamespaces namespaces;
  private final List<SpoFinding> findings = new ArrayList<>();
  private final Map<String, Profile> profiles = new LinkedHashMap<>();
  private final Map<String, JsonNode> profileSpecs = new HashMap<>();
  private final List<JsonNode> bindings = new ArrayList<>();
  private final List<JsonNode> recordings = new ArrayList<>();

  private final boolean runtimeBaseAsBuiltin;

  private SpoMigration(SpoNamespaces namespaces, boolean runtimeBaseAsBuiltin) {
    this.namespaces = namespaces;
    this.runtimeBaseAsBuiltin = runtimeBaseAsBuiltin;
  }

  /** The number of distinct calls builtin:runtime-baseline allows, from its table. */
  private static long builtinRuntimeCalls() {
    return BuiltinProfiles.find(BuiltinProfiles.RUNTIME_BASELINE)
        .orElseThrow()
        .spec()
        .getSyscalls()
        .stream()
        .filter(r -> r.getAction() == dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW)
        .flatMap(r -> r.getNames().stream())
        .distinct()
        .count();
  }

  /**
   * Converts the objects of one export (already cleaned of status and server fields, as {@code lpo
   * export} cleans them).
   */
  public static Result migrate(List<? extends JsonNode> objects, SpoNamespaces namespaces) {
    return migrate(objects, namespaces, false);
  }

  /**
   * The same; with {@code runtimeBaseAsBuiltin}, a runc-v/crun-v base missing from the input
   * becomes builtin:runtime-baseline, with a note, instead of an error.
   */
  public static Result migrate(
      List<? extends JsonNode> objects, SpoNamespaces namespaces, boolean runtimeBaseAsBuiltin) {
    SpoMigration m = new SpoMigration(namespaces, runtimeBaseAsBuiltin);
    for (JsonNode o : objects) {
      m.classify(o);
    }
    m.convertProfiles();
    m.resolveBases();
    m.placeProfiles();
    m.applyBindings();
    List<SpoMigrated> out = new ArrayList<>(m.profileObjects());
    out.addAll(m.recordingObjects());
    return new Result(m.checkUnique(out), List.copyOf(m.findings));
  }

  /** Files one input object by kind, or says why it is skipped. */
  private void classify(JsonNode o) {
    String apiVersion = o.path("apiVersion").asText("");
    String kind = o.path("kind").asText("");
    String name = o.path("metadata").path("name").asText("");
    String ns = o.path("metadata").path("namespace").asText(null);
    String title = title(kind.isEmpty() ? "object" : kind, ns, name.isEmpty() ? "?" : name);
    if (!apiVersion.startsWith(GROUP + "/")) {
      findings.add(
          SpoFinding.note(
              title,
              "apiVersion",
              "skipped: "
                  + (apiVersion.isEmpty() ? "no apiVersion" : apiVersion)
                  + " is not the Security Profiles Operator's ("
                  + GROUP
                  + ")"));
      return;
    }
    if (name.isEmpty()) {
      findings.add(SpoFinding.error(title, "metadata.name", "required"));
      return;
    }
    switch (kind) {
      case "SeccompProfile" -> {
        Profile p = new Profile(ns, name, o.path("metadata"));
        if (profiles.putIfAbsent(p.key(), p) != null) {
          findings.add(
              SpoFinding.error(
                  title, "metadata.name", "given twice in the input; the first is kept"));
        } else {
          profileSpecs.put(p.key(), o.path("spec"));
        }
      }
      case "ProfileBinding" -> bindings.add(o);
      case "ProfileRecording" -> recordings.add(o);
      default -> {
        String why =
            OTHER_PROFILE_KINDS.contains(kind)
                ? "this product has seccomp profiles and capability policies, no SELinux or"
                    + " AppArmor profiles"
                : "SPO's own configuration or node state, nothing a policy repository keeps";
        findings.add(SpoFinding.note(title, "", "skipped: " + why));
      }
    }
  }

  private void convertProfiles() {
    for (Profile p : profiles.values()) {
      JsonNode spec = profileSpecs.get(p.key());
      if (spec == null || !spec.isObject()) {
        findings.add(SpoFinding.error(p.title(), "spec", "required"));
        continue;
      }
      if (p.metadata.path("labels").has(PARTIAL_LABEL)) {
        p.disabled = true;
        findings.add(
            SpoFinding.note(
                p.title(),
                "metadata.labels." + PARTIAL_LABEL,
                "skipped: a partial profile, one container's recording that SPO has not merged"
                    + " yet; convert the merged profile SPO makes of the partial ones"));
        continue;
      }
      if (spec.path("disabled").asBoolean(false)
          || spec.path("state").asText("").equals("Disabled")) {
        p.disabled = true;
        findings.add(
            SpoFinding.note(
                p.title(),
                spec.has("state") ? "spec.state" : "spec.disabled",
                "skipped: disabled in SPO, so SPO installed no file for it either; set it"
                    + " Enabled and export again to convert it"));
        continue;
      }
      int before = findings.size();
      p.spec = SpoSeccompSpec.convert(p.title(), spec, findings).orElse(null);
      // What was dropped is said above the object too, where a reviewer of the file reads it.
      findings.subList(before, findings.size()).stream()
          .filter(f -> !f.isError())
          .forEach(f -> p.notes.add(f.field() + ": " + f.message()));
      if (p.spec != null) {
        String base = spec.path("baseProfileName").asText("");
        p.base = base.isEmpty() ? null : base;
      }
    }
  }

  /** Bases within the export keep their names; a profile whose base fails fails too. */
  private void resolveBases() {
    for (Profile p : profiles.values()) {
      if (p.spec == null || p.base == null) {
        continue;
      }
      String base = p.base;
      Profile found = profiles.get(Profile.key(p.namespace, base));
      if (base.startsWith(OCI_PREFIX)) {
        fail(
            p,
            "spec.baseProfileName",
            "\""
                + base
                + "\" is an OCI artifact, which lpo cannot pull: pull it first (spoc pull "
                + base.substring(OCI_PREFIX.length())
                + " writes it as an SPO SeccompProfile), convert that file together with this"
                + " one, and set this baseProfileName to the pulled profile's metadata.name");
      } else if (found != null) {
        if (found.disabled) {
          fail(p, "spec.baseProfileName", "base profile \"" + base + "\" is disabled in SPO");
        }
      } else if (RUNTIME_BASE.matcher(base).matches() && runtimeBaseAsBuiltin) {
        p.base = ApiNames.BUILTIN_PREFIX + BuiltinProfiles.RUNTIME_BASELINE;
        note(
            p.notes,
            p.title(),
            "spec.baseProfileName",
            "SPO's base profile \""
                + base
                + "\" is not in the input; as --runtime-base-as-builtin asks, it became "
                + p.base
                + ", which allows "
                + builtinRuntimeCalls()
                + " system calls this product recorded for runc to start a container. It is not"
                + " SPO's list: each allows calls the other refuses, so this profile allows other"
                + " calls than in SPO. Export \""
                + base
                + "\" and convert without the flag to keep SPO's list");
      } else {
        fail(
            p,
            "spec.baseProfileName",
            "base profile \""
                + base
                + "\" is not in the input; export it too"
                + (RUNTIME_BASE.matcher(base).matches()
                    ? " (SPO keeps its runtime's base as an ordinary SeccompProfile; or give"
                        + " --runtime-base-as-builtin to use "
                        + ApiNames.BUILTIN_PREFIX
                        + BuiltinProfiles.RUNTIME_BASELINE
                        + ", which allows other calls)"
                    : "")
                + " (kubectl get"
                + " seccompprofiles."
                + GROUP
                + " "
                + base
                + " -o yaml)");
      }
    }
    // A profile whose base was not converted cannot be: it would allow less than in SPO.
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Profile p : profiles.values()) {
        if (p.spec != null && p.base != null && !p.base.startsWith("builtin:")) {
          Profile b = profiles.get(Profile.key(p.namespace, p.base));
          if (b == null || b.spec == null) {
            if (b != null && !b.disabled) {
              fail(
                  p,
                  "spec.baseProfileName",
                  "base profile \"" + p.base + "\" was not converted (see its errors)");
            } else {
              p.spec = null;
            }
            changed = true;
          }
        }
      }
    }
  }

  private void fail(Profile p, String field, String message) {
    p.spec = null;
    findings.add(SpoFinding.error(p.title(), field, message));
  }

  private void placeProfiles() {
    Set<String> mapKeys = new HashSet<>(namespaces.map().keySet());
    Map<String, Set<String>> bound = new HashMap<>();
    for (JsonNode b : bindings) {
      JsonNode ref = b.path("spec").path("profileRef");
      String ns = b.path("metadata").path("namespace").asText(null);
      if (ref.path("kind").asText().equals(SeccompProfile.KIND) && ns != null) {
        Profile p = boundProfile(ns, ref.path("name").asText());
        if (p != null) {
          bound.computeIfAbsent(p.key(), k -> new TreeSet<>()).add(ns);
        }
      }
    }
    for (Profile p : profiles.values()) {
      Optional<List<String>> mapped = namespaces.mapped(p.namespace, p.name);
      mapKeys.remove(p.name);
      mapKeys.remove(p.key().substring(p.key().startsWith("/") ? 1 : 0));
      if (mapped.isPresent()) {
        p.targets.addAll(mapped.get());
      } else if (bound.containsKey(p.key())) {
        p.targets.addAll(bound.get(p.key()));
      } else if (p.namespace != null) {
        p.targets.add(p.namespace);
      }
    }
    for (String k : mapKeys) {
      findings.add(
          SpoFinding.error("--map " + k, "", "no SeccompProfile of that name in the input"));
    }
    propagateBases();
    // Only now is a cluster-scoped profile that nothing placed, not even as a base, homeless.
    List<Profile> homeless = new ArrayList<>();
    for (Profile p : profiles.values()) {
      if (p.targets.isEmpty() && namespaces.defaultNamespace() != null) {
        p.targets.add(namespaces.defaultNamespace());
      } else if (p.targets.isEmpty() && p.spec != null) {
        homeless.add(p);
      }
    }
    propagateBases();
    for (Profile p : homeless) {
      fail(
          p,
          "metadata.namespace",
          "cluster-scoped in SPO and placed by no ProfileBinding, --map entry or profile that"
              + " extends it: give --namespace NS, or --map "
              + p.name
              + "=NS[,NS...]");
    }
  }

  /** A base goes wherever a profile that extends it goes: ours resolve bases in their namespace. */
  private void propagateBases() {
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Profile p : profiles.values()) {
        if (p.spec != null && p.base != null && !p.base.startsWith("builtin:")) {
          Profile b = profiles.get(Profile.key(p.namespace, p.base));
          if (b != null && b.targets.addAll(p.targets)) {
            changed = true;
          }
        }
      }
    }
  }

  /** The profile a binding of namespace ns names: its own (SPO before v0.9.0) or a cluster one. */
  private Profile boundProfile(String ns, String name) {
    Profile p = profiles.get(Profile.key(ns, name));
    return p != null ? p : profiles.get(Profile.key(null, name));
  }

  /**
   * A binding selects pods by image, and ours by labels and container names: a binding for every
   * image ("*") becomes the profile's podSelector in the binding's namespace; one for an image
   * needs the user to say which pods and containers run it.
   */
  private void applyBindings() {
    List<JsonNode> sorted = new ArrayList<>(bindings);
    sorted.sort(
        java.util.Comparator.comparing(
            b ->
                title(
                    "",
                    b.path("metadata").path("namespace").asText(),
                    b.path("metadata").path("name").asText())));
    Map<String, List<Claim>> claims = new HashMap<>();
    for (JsonNode b : sorted) {
      String ns = b.path("metadata").path("namespace").asText(null);
      String title = title("ProfileBinding", ns, b.path("metadata").path("name").asText());
      JsonNode spec = b.path("spec");
      JsonNode ref = spec.path("profileRef");
      String kind = ref.path("kind").asText("");
      String name = ref.path("name").asText("");
      if (!kind.equals(SeccompProfile.KIND)) {
        findings.add(otherKindSkipped(title, "spec.profileRef.kind", "binds", kind));
        continue;
      }
      if (ns == null) {
        findings.add(
            SpoFinding.error(
                title, "metadata.namespace", "required: SPO's bindings are namespaced"));
        continue;
      }
      Profile p = boundProfile(ns, name);
      if (p == null) {
        findings.add(
            SpoFinding.error(
                title,
                "spec.profileRef.name",
                "SeccompProfile \"" + name + "\" is not in the input; export it too"));
        continue;
      }
      if (p.spec == null) {
        findings.add(
            SpoFinding.error(
                title,
                "spec.profileRef.name",
                "SeccompProfile \"" + name + "\" was not converted (see its findings)"));
        continue;
      }
      if (!p.targets.contains(ns)) {
        findings.add(
            SpoFinding.note(
                title,
                "",
                "not applied: --map puts SeccompProfile "
                    + name
                    + " in "
                    + String.join(", ", p.targets)
                    + ", not in the binding's namespace "
                    + ns
                    + "; add "
                    + ns
                    + " to its --map entry to apply the binding there"));
        continue;
      }
      String image = spec.path("image").asText("");
      PodSelector selector;
      try {
        selector =
            spec.hasNonNull("podSelector")
                ? JSON.treeToValue(spec.get("podSelector"), PodSelector.class)
                : new PodSelector();
      } catch (JsonProcessingException | IllegalArgumentException e) {
        findings.add(
            SpoFinding.error(title, "spec.podSelector", "not a label selector: " + reason(e)));
        continue;
      }
      String file = new ProfileRef(ns, name).localhostProfile();
      if (!image.equals("*")) {
        String note =
            title
                + " bound this profile to the containers running image \""
                + image
                + "\""
                + (spec.hasNonNull("podSelector") ? " in the pods its podSelector selects" : "")
                + ". This product selects pods by label and containers by name, not by image:"
                + " set spec.podSelector to the labels of the pods that run "
                + image
                + " and spec.containerNames to those containers' names. Until then the profile"
                + " selects no pod; a pod may still name its file (localhostProfile: "
                + file
                + ").";
        p.notesByNamespace.computeIfAbsent(ns, k -> new ArrayList<>()).add(note);
        // An error, not a note: SPO confined these containers, and the converted profile
        // confines none until someone says which they are.
        findings.add(
            SpoFinding.error(
                title,
                "spec.image",
                "needs your decision: SPO confined the containers running "
                    + image
                    + " with this profile, and the converted profile selects none of them; set"
                    + " spec.podSelector and spec.containerNames of SeccompProfile "
                    + ns
                    + "/"
                    + name
                    + " in the output (see the comment above it) and lint it"));
        continue;
      }
      if (p.selectors.containsKey(ns)) {
        findings.add(
            SpoFinding.error(
                title,
                "spec.podSelector",
                "needs your decision: SeccompProfile "
                    + ns
                    + "/"
                    + name
                    + " already has the podSelector of an earlier binding, and a profile has one,"
                    + " so the pods this binding selects are not confined; copy the profile in"
                    + " the output under another metadata.name with this binding's"
                    + " spec.podSelector, or widen the first one's"));
        continue;
      }
      Claim overlapping = overlap(claims.getOrDefault(ns, List.of()), p, selector);
      if (overlapping != null) {
        findings.add(
            SpoFinding.error(
                title,
                "spec.podSelector",
                "selects the same pods as "
                    + overlapping.binding()
                    + " (SeccompProfile "
                    + overlapping.profile()
                    + "): SPO applied the last of them silently, but this product's webhook"
                    + " refuses every container that two enforced profiles select, so every such"
                    + " pod of "
                    + ns
                    + " would be refused. Decide which profile these pods get and give the"
                    + " bindings podSelectors that do not overlap"));
        continue;
      }
      claims.computeIfAbsent(ns, k -> new ArrayList<>()).add(new Claim(title, p.name, selector));
      p.selectors.put(ns, selector);
      p.notesByNamespace
          .computeIfAbsent(ns, k -> new ArrayList<>())
          .add(
              "spec.podSelector: from "
                  + title
                  + " (image \"*\")"
                  + (spec.hasNonNull("podSelector") ? "" : ": every pod of the namespace")
                  + ". Unlike SPO's binding, which never overrides a pod's own seccompProfile and"
                  + " acts only in namespaces labelled "
                  + ENABLE_BINDING_LABEL
                  + ", this one replaces a pod's Unconfined, RuntimeDefault or other profile and"
                  + " acts in "
                  + ns
                  + " whatever its labels");
    }
  }

  /** A podSelector that a `*` binding gave a profile in one namespace. */
  private record Claim(String binding, String profile, PodSelector selector) {}

  /**
   * The claim of another profile whose pods this selector's may be: the same selector, or either
   * one empty (every pod of the namespace). Selectors that differ otherwise may still overlap on a
   * pod carrying both sets of labels; that is for the webhook to refuse when such a pod comes.
   */
  private static Claim overlap(List<Claim> claims, Profile p, PodSelector selector) {
    JsonNode mine = JSON.valueToTree(selector);
    for (Claim c : claims) {
      if (c.profile().equals(p.name)) {
        continue;
      }
      JsonNode theirs = JSON.valueToTree(c.selector());
      if (mine.equals(theirs) || selectsAll(selector) || selectsAll(c.selector())) {
        return c;
      }
    }
    return null;
  }

  private static boolean selectsAll(PodSelector s) {
    return (s.getMatchLabels() == null || s.getMatchLabels().isEmpty())
        && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty());
  }

  private List<SpoMigrated> profileObjects() {
    List<SpoMigrated> out = new ArrayList<>();
    Map<String, SeccompProfileSpec> byKey = new TreeMap<>();
    for (Profile p : profiles.values()) {
      if (p.spec == null) {
        continue;
      }
      for (String ns : p.targets) {
        SeccompProfileSpec s = JSON.convertValue(p.spec, SeccompProfileSpec.class);
        s.setBaseProfileName(p.base);
        s.setPodSelector(p.selectors.get(ns));
        List<String> notes = new ArrayList<>(p.notes);
        notes.addAll(p.notesByNamespace.getOrDefault(ns, List.of()));
        ProfileRef ref = new ProfileRef(ns, p.name);
        byKey.put(ref.toString(), s);
        out.add(
            new SpoMigrated(
                SeccompProfile.KIND,
                ref,
                ours(p.metadata.path("labels")),
                ours(p.metadata.path("annotations")),
                s,
                p.title(),
                notes));
      }
    }
    // Compile each as the operator will; what fails is reported and left out.
    ProfileLookup lookup = ProfileLookup.of(byKey);
    List<SpoMigrated> valid = new ArrayList<>();
    for (SpoMigrated m : out) {
      CompiledProfile c = ProfileCompiler.compile(m.ref(), (SeccompProfileSpec) m.spec(), lookup);
      if (c.ok()) {
        valid.add(m);
      } else {
        for (FieldError e : c.errors()) {
          findings.add(
              SpoFinding.error(m.source(), e.path(), e.message() + " (as " + m.ref() + ")"));
        }
      }
    }
    return valid;
  }

  private List<SpoMigrated> recordingObjects() {
    List<SpoMigrated> out = new ArrayList<>();
    for (JsonNode r : recordings) {
      String ns = r.path("metadata").path("namespace").asText(null);
      String name = r.path("metadata").path("name").asText();
      String title = title(ProfileRecording.KIND, ns, name);
      JsonNode spec = r.path("spec");
      String kind = spec.path("kind").asText("");
      if (!kind.equals(SeccompProfile.KIND)) {
        findings.add(otherKindSkipped(title, "spec.kind", "records", kind));
        continue;
      }
      String target =
          ns != null
              ? ns
              : namespaces
                  .mapped(null, name)
                  .map(l -> l.get(0))
                  .orElse(namespaces.defaultNamespace());
      if (target == null) {
        findings.add(
            SpoFinding.error(title, "metadata.namespace", "required: give --namespace NS"));
        continue;
      }
      if (!spec.hasNonNull("podSelector")) {
        findings.add(
            SpoFinding.error(
                title,
                "spec.podSelector",
                "required: a recording of ours never selects a whole namespace by default"));
        continue;
      }
      ProfileRecordingSpec s = new ProfileRecordingSpec();
      try {
        s.setPodSelector(JSON.treeToValue(spec.get("podSelector"), PodSelector.class));
      } catch (JsonProcessingException | IllegalArgumentException e) {
        findings.add(
            SpoFinding.error(title, "spec.podSelector", "not a label selector: " + reason(e)));
        continue;
      }
      spec.path("containers").forEach(c -> s.getContainerNames().add(c.asText()));
      s.getRecord().add(RecordingKind.Seccomp);
      List<String> notes = new ArrayList<>();
      if (spec.hasNonNull("recorder")) {
        note(
            notes,
            title,
            "spec.recorder",
            spec.get("recorder").asText()
                + " dropped: the agent's recorder reads the kernel's seccomp records, from the"
                + " kernel log or the audit log as the chart configures it");
      }
      if (spec.path("mergeStrategy").asText("none").equalsIgnoreCase("containers")) {
        note(
            notes,
            title,
            "spec.mergeStrategy",
            "containers is what this product always does: one profile per container name, the"
                + " union of its replicas");
      }
      if (spec.path("disableProfileAfterRecording").asBoolean(false)) {
        note(
            notes,
            title,
            "spec.disableProfileAfterRecording",
            "dropped: a produced profile selects no pod until you give it a podSelector");
      }
      note(
          notes,
          title,
          "spec.kind",
          "SeccompProfile became record: [Seccomp]; add Capabilities to record the capabilities"
              + " too");
      out.add(
          new SpoMigrated(
              ProfileRecording.KIND,
              new ProfileRef(target, name),
              ours(r.path("metadata").path("labels")),
              ours(r.path("metadata").path("annotations")),
              s,
              title,
              notes));
    }
    return out;
  }

  private List<SpoMigrated> checkUnique(List<SpoMigrated> objects) {
    Set<String> seen = new HashSet<>();
    List<SpoMigrated> out = new ArrayList<>();
    for (SpoMigrated m : objects) {
      if (seen.add(m.kind() + " " + m.ref())) {
        out.add(m);
      } else {
        findings.add(
            SpoFinding.error(
                m.source(),
                "metadata.name",
                m.kind()
                    + " "
                    + m.ref()
                    + " would be written twice; use --map to put one elsewhere"));
      }
    }
    return out;
  }

  private static String reason(Exception e) {
    return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
  }

  /** A note both in the object's comments and in the findings. */
  private void note(List<String> notes, String title, String field, String message) {
    notes.add(field + ": " + message);
    findings.add(SpoFinding.note(title, field, message));
  }

  /**
   * Keys that say which tool owns the object in the cluster (Helm, Argo CD, Flux, kubectl's
   * last-applied state): copied into a new object, they would make that tool adopt, prune or
   * overwrite an object it never made.
   */
  static final List<String> OWNERSHIP_KEYS =
      List.of("app.kubernetes.io/instance", "app.kubernetes.io/managed-by");

  static final List<String> OWNERSHIP_PREFIXES =
      List.of(
          SPO_KEY_PREFIX,
          "helm.sh/",
          "meta.helm.sh/",
          "argocd.argoproj.io/",
          "kustomize.toolkit.fluxcd.io/",
          "kubectl.kubernetes.io/");

  static boolean owned(String key) {
    return OWNERSHIP_KEYS.contains(key) || OWNERSHIP_PREFIXES.stream().anyMatch(key::startsWith);
  }

  /** Labels or annotations without SPO's own keys and without those of the tools owning it. */
  private static Map<String, String> ours(JsonNode node) {
    Map<String, String> out = new TreeMap<>();
    node.fields()
        .forEachRemaining(
            e -> {
              if (!owned(e.getKey())) {
                out.put(e.getKey(), e.getValue().asText());
              }
            });
    return out;
  }

  private static String title(String kind, String namespace, String name) {
    return (kind.isEmpty() ? "" : kind + " ")
        + (namespace == null || namespace.isEmpty() ? "" : namespace + "/")
        + name;
  }

  /** A binding or recording of a profile kind we have no equivalent of (SELinux, AppArmor). */
  private static SpoFinding otherKindSkipped(String title, String field, String verb, String kind) {
    return SpoFinding.note(
        title,
        field,
        "skipped: "
            + verb
            + " a "
            + (kind.isEmpty() ? "profile of no kind" : kind)
            + ", which this product has no equivalent of");
  }
}
