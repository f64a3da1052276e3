package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.CapabilityChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, for one Pod CREATE (or new ephemeral containers), which securityContext fields change,
 * whether the pod is refused, and which warnings the user sees: SeccompProfiles,
 * CapabilityPolicies, and ProfileRecordings (which never win over an Enforce profile). Pure: the
 * webhook feeds it from caches and turns the plan into an AdmissionReview response. Planning a pod
 * it already patched yields no change, so a re-admitted pod (a later webhook's change makes the API
 * server call us again) is left as it is.
 */
public final class MutationPlanner {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final ExemptNamespaces exemptNamespaces;

  /**
   * @param operatorNamespace the operator's own namespace, which like kube-system is never touched
   */
  public MutationPlanner(String operatorNamespace) {
    this.exemptNamespaces = new ExemptNamespaces(operatorNamespace);
  }

  public AdmissionPlan plan(AdmittedPod pod, NamespacePolicies ns) {
    if (exempt(pod.namespace(), ns)) {
      return new AdmissionPlan(true, null, JSON.arrayNode(), List.of());
    }
    Findings findings = new Findings();
    ArrayNode patch = JSON.arrayNode();
    boolean usesOurs = pod.creating() && checkPodLevelReferences(pod, ns, findings);
    boolean selected = false;
    Optional<RecordingCandidate> recording = PodRecording.choose(pod, ns, findings);
    // Whether the recording records any container: only then does the pod carry the recording's
    // annotation.
    boolean recorded = false;
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      ObjectNode sc =
          c.securityContext() == null ? JSON.objectNode() : c.securityContext().deepCopy();
      Optional<ProfileCandidate> profile = SeccompChoice.choose(pod, c, ns.profiles(), findings);
      List<PolicyCandidate> policies =
          ns.policies().stream().filter(p -> p.selects(pod, c.name())).toList();
      boolean containerSelected = profile.isPresent() || !policies.isEmpty();
      selected |= containerSelected;
      Optional<RecordingCandidate> rec =
          recording.filter(r -> !c.ephemeral() && recordable(pod, c, r, findings));
      if (refusedAsPrivileged(pod, c, profile, policies, findings)
          || windows(pod, c, containerSelected, findings)) {
        continue;
      }
      Optional<ProfileCandidate> recordingProfile =
          rec.flatMap(r -> recordingProfile(pod, c, r, profile, ns, findings));
      // The recorder counts a container's system calls for the recording only where it runs the
      // recording's profile, and its capability checks wherever the pod is marked: recording
      // capabilities changes nothing in the pod, so it goes on under an Enforce profile too.
      recorded |=
          recordingProfile.isPresent()
              || rec.filter(RecordingCandidate::recordsCapabilities).isPresent();
      boolean profileApplies = profile.isPresent() && usable(c, profile.get(), findings);
      if (recordingProfile.isPresent()) {
        // What the pod wrote is checked as if no recording were there: a reference to another
        // namespace's file is refused all the same.
        if (!profileApplies) {
          checkContainerReferences(pod, c, ns, findings);
        } else {
          findings.warn(
              "container "
                  + c.name()
                  + ": "
                  + rec.get().title()
                  + " records it with SeccompProfile "
                  + recordingProfile.get().ref().name()
                  + " in place of "
                  + profile.get().title()
                  + "; both only log what their base does not allow");
        }
        usesOurs = true;
        applyProfile(pod, c, recordingProfile.get(), sc, patch, findings);
      } else if (profileApplies) {
        usesOurs = true;
        applyProfile(pod, c, profile.get(), sc, patch, findings);
      } else {
        usesOurs |= checkContainerReferences(pod, c, ns, findings);
      }
      CapabilityPlan.plan(pod, c, ns.policies(), findings)
          .ifPresent(change -> applyCapabilities(change, sc));
      if (sc.equals(c.securityContext() == null ? JSON.objectNode() : c.securityContext())) {
        continue;
      }
      if (pod.securityContextsPatchable()) {
        patch
            .addObject()
            .put("op", "add")
            .put("path", c.pointer() + "/securityContext")
            .set("value", sc);
      } else {
        refuseUnpatchable(c, profile, policies, findings);
      }
    }
    if (selected && pod.creating()) {
      OutOfScopeFields.warn(pod, findings);
    }
    if (!findings.refusals.isEmpty()) {
      return new AdmissionPlan(
          false, String.join("; ", findings.refusals), JSON.arrayNode(), findings.warnings);
    }
    // The label is a convenience for kubectl users (-l leastprivilege.dev/uses-profiles); nothing
    // relies on it.
    boolean label =
        pod.creating()
            && (usesOurs || !patch.isEmpty())
            && !"true".equals(pod.labels().get(ApiNames.USES_PROFILES_LABEL));
    if (pod.creating()) {
      recordingAnnotation(
          pod, recorded ? recording.map(RecordingCandidate::name).orElse(null) : null, patch);
    }
    if (label) {
      addLabel(pod, patch);
    }
    return new AdmissionPlan(true, null, patch, findings.warnings);
  }

  /**
   * Whether the pod's recording may record this container: one it names (or all), and not a
   * privileged one, which runs unconfined with every capability: there is nothing to record.
   */
  private static boolean recordable(
      AdmittedPod pod, AdmittedPod.AdmittedContainer c, RecordingCandidate r, Findings findings) {
    if (!r.selectsContainer(c.name()) || PodCompliance.windows(pod)) {
      return false;
    }
    Optional<String> privileged = PrivilegedFields.of(pod, c);
    privileged.ifPresent(
        field ->
            findings.warn(
                "container "
                    + c.name()
                    + ": "
                    + field
                    + " runs unconfined with every capability, so "
                    + r.title()
                    + " does not record it"));
    return privileged.isEmpty();
  }

  /**
   * The recording's profile for a container whose system calls it records. Never in place of an
   * Enforce profile: the recording profile only logs, so a tenant who may record would otherwise
   * run unconfined where an Enforce profile confines. An Audit profile only logs too, so the
   * recording takes its place.
   */
  private static Optional<ProfileCandidate> recordingProfile(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      RecordingCandidate r,
      Optional<ProfileCandidate> profile,
      NamespacePolicies ns,
      Findings findings) {
    if (!r.recordsSeccomp()) {
      return Optional.empty();
    }
    if (profile.isPresent() && profile.get().enforces()) {
      findings.warn(
          "container "
              + c.name()
              + ": "
              + profile.get().title()
              + " selects it and wins over "
              + r.title()
              + ", whose profile only logs: its system calls are not recorded");
      return Optional.empty();
    }
    ProfileRef ref = r.profile(pod.namespace());
    Optional<ProfileCandidate> file =
        ns.profiles().stream().filter(p -> p.ref().equals(ref)).findFirst();
    if (file.isEmpty() || file.get().missingFile() != null) {
      findings.warn(
          "container "
              + c.name()
              + ": "
              + r.title()
              + " does not record its system calls: SeccompProfile "
              + ref.name()
              + " has no file on the nodes ("
              + file.map(ProfileCandidate::missingFile).orElse("it does not exist yet")
              + ")");
      return Optional.empty();
    }
    return file;
  }

  /**
   * The annotation that tells the recorder which recording a pod's records belong to. Only this
   * admission writes it: one a pod brings itself is removed, so a pod cannot put its records into a
   * recording that did not select it.
   */
  private static void recordingAnnotation(AdmittedPod pod, String recording, ArrayNode patch) {
    String key = ApiNames.RECORDING_ANNOTATION;
    String current = pod.annotations().get(key);
    if (recording == null) {
      if (current != null) {
        patch
            .addObject()
            .put("op", "remove")
            .put("path", "/metadata/annotations/" + pointerEscape(key));
      }
    } else if (!recording.equals(current)) {
      if (pod.annotations().isEmpty()) {
        patch
            .addObject()
            .put("op", "add")
            .put("path", "/metadata/annotations")
            .set("value", JSON.objectNode().put(key, recording));
      } else {
        patch
            .addObject()
            .put("op", "add")
            .put("path", "/metadata/annotations/" + pointerEscape(key))
            .put("value", recording);
      }
    }
  }

  /**
   * Whether anything in the namespace can select a pod: it is not exempt and has profiles or
   * policies.
   */
  public boolean governs(String namespace, NamespacePolicies ns) {
    return !exempt(namespace, ns) && !(ns.profiles().isEmpty() && ns.policies().isEmpty());
  }

  private boolean exempt(String namespace, NamespacePolicies ns) {
    return exemptNamespaces.exempt(namespace, ns.labels());
  }

  /**
   * A privileged container ignores seccomp and capabilities at run time: refused where a profile or
   * policy is enforced, admitted with a warning where they only audit.
   */
  private static boolean refusedAsPrivileged(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      Optional<ProfileCandidate> profile,
      List<PolicyCandidate> policies,
      Findings findings) {
    Optional<String> field = PrivilegedFields.of(pod, c);
    if (field.isEmpty()) {
      return false;
    }
    List<String> enforcing = new ArrayList<>();
    List<String> auditing = new ArrayList<>();
    profile.ifPresent(p -> (p.enforces() ? enforcing : auditing).add(p.title()));
    policies.forEach(
        p ->
            (p.enforces() ? enforcing : auditing).add(p.title() + " (" + p.spec().getMode() + ")"));
    if (!enforcing.isEmpty()) {
      findings.refuse(
          "container "
              + c.name()
              + ": "
              + field.get()
              + " is refused by "
              + String.join(" and ", enforcing)
              + ": a privileged container runs unconfined with every capability, whatever its seccompProfile"
              + " and capabilities say. Remove the field, and add only the capabilities the container needs");
      return true;
    }
    if (!auditing.isEmpty()) {
      findings.warn(
          "container "
              + c.name()
              + ": "
              + field.get()
              + " would be refused by "
              + String.join(" and ", auditing)
              + " in Enforce mode: a privileged container runs unconfined with every capability");
    }
    return false;
  }

  /**
   * Before Kubernetes 1.21 an ephemeral container cannot carry a securityContext: the runtime's
   * default capabilities and no profile of its own, so where a profile or policy is enforced it is
   * refused.
   */
  private static void refuseUnpatchable(
      AdmittedPod.AdmittedContainer c,
      Optional<ProfileCandidate> profile,
      List<PolicyCandidate> policies,
      Findings findings) {
    List<String> enforcing = new ArrayList<>();
    profile.filter(ProfileCandidate::enforces).ifPresent(p -> enforcing.add(p.title()));
    policies.stream()
        .filter(PolicyCandidate::enforces)
        .forEach(p -> enforcing.add(p.title() + " (Enforce)"));
    String why =
        "container "
            + c.name()
            + ": Kubernetes before 1.21 does not let an ephemeral container carry a"
            + " securityContext";
    if (enforcing.isEmpty()) {
      findings.warn(why + ", so it runs without what the Audit profiles and policies would set");
    } else {
      findings.refuse(
          why
              + ", so "
              + String.join(" and ", enforcing)
              + " cannot confine it. Debug a copy of the"
              + " pod instead (kubectl debug --copy-to=<name>), which is admitted like any new pod");
    }
  }

  /**
   * A Windows pod has neither seccomp nor Linux capabilities, and the API server refuses either
   * field on it: it is left as it is (HostProcess containers, its privileged kind, are refused
   * above).
   */
  private static boolean windows(
      AdmittedPod pod, AdmittedPod.AdmittedContainer c, boolean selected, Findings findings) {
    if (!PodCompliance.windows(pod)) {
      return false;
    }
    if (selected) {
      findings.warn(
          "container "
              + c.name()
              + ": a Windows pod (spec.os.name: windows) has no seccomp and no Linux"
              + " capabilities, so SeccompProfiles and CapabilityPolicies do not change it");
    }
    return true;
  }

  /**
   * Whether the profile has a file on the nodes. A profile that was never valid or never published
   * has none, and a container pointed at it could never start: refused in Enforce mode, left alone
   * with a warning in Audit mode.
   */
  private static boolean usable(
      AdmittedPod.AdmittedContainer c, ProfileCandidate p, Findings findings) {
    if (p.missingFile() == null) {
      return true;
    }
    String why =
        "container "
            + c.name()
            + ": "
            + p.title()
            + " has no file on the nodes ("
            + p.missingFile()
            + ")";
    if (p.enforces()) {
      findings.refuse(
          why
              + "; fix the profile (kubectl describe seccompprofile "
              + p.ref().name()
              + ", or lpo lint),"
              + " then create the pod again");
    } else {
      findings.warn(why + "; admitted without it");
    }
    return false;
  }

  private static void applyProfile(
      AdmittedPod pod,
      AdmittedPod.AdmittedContainer c,
      ProfileCandidate p,
      ObjectNode sc,
      ArrayNode patch,
      Findings findings) {
    ObjectNode wanted =
        JSON.objectNode()
            .put("type", "Localhost")
            .put("localhostProfile", p.ref().localhostProfile());
    JsonNode current =
        c.seccompProfile().isObject()
            ? c.seccompProfile()
            : SeccompSources.fromAnnotation(
                pod.annotations().get(SeccompSources.containerAnnotation(c.name())));
    if (!current.isMissingNode() && !current.equals(wanted)) {
      findings.warn(
          "container " + c.name() + ": seccompProfile " + current + " replaced by " + p.title());
    }
    sc.set("seccompProfile", wanted);
    // The API server refuses a pod whose field and deprecated annotation disagree, and old kubelets
    // read the
    // annotation: one that says otherwise goes. One that agrees stays: the API server (1.19 to
    // 1.24) writes it
    // itself from the field, so a stored pod created again must come through unchanged.
    String annotation = SeccompSources.containerAnnotation(c.name());
    if (pod.creating()
        && pod.annotations().containsKey(annotation)
        && !wanted.equals(SeccompSources.fromAnnotation(pod.annotations().get(annotation)))) {
      patch
          .addObject()
          .put("op", "remove")
          .put("path", "/metadata/annotations/" + pointerEscape(annotation));
    }
    warnIfNotInstalled(p, findings);
  }

  private static void warnIfNotInstalled(ProfileCandidate p, Findings findings) {
    if (!p.installed()) {
      findings.warn(
          "SeccompProfile "
              + p.ref()
              + " is not installed on every node yet ("
              + p.rollout()
              + "); a"
              + " container may fail with CreateContainerError until it is");
    }
  }

  /**
   * The pod-level field and deprecated annotation; returns whether either points at one of our
   * files.
   */
  private static boolean checkPodLevelReferences(
      AdmittedPod pod, NamespacePolicies ns, Findings findings) {
    boolean ours =
        checkReference(
            pod, "spec.securityContext.seccompProfile", pod.podSeccompProfile(), ns, findings);
    return checkReference(
            pod,
            "annotation " + SeccompSources.POD_ANNOTATION,
            SeccompSources.fromAnnotation(pod.annotations().get(SeccompSources.POD_ANNOTATION)),
            ns,
            findings)
        || ours;
  }

  private static boolean checkContainerReferences(
      AdmittedPod pod, AdmittedPod.AdmittedContainer c, NamespacePolicies ns, Findings findings) {
    boolean ours =
        checkReference(
            pod,
            "container " + c.name() + " securityContext.seccompProfile",
            c.seccompProfile(),
            ns,
            findings);
    String annotation = SeccompSources.containerAnnotation(c.name());
    return checkReference(
            pod,
            "annotation " + annotation,
            SeccompSources.fromAnnotation(pod.annotations().get(annotation)),
            ns,
            findings)
        || ours;
  }

  /**
   * A seccompProfile the user wrote: one of ours must belong to the pod's namespace, and should be
   * installed. Returns whether it points at one of our files.
   */
  private static boolean checkReference(
      AdmittedPod pod,
      String where,
      JsonNode seccompProfile,
      NamespacePolicies ns,
      Findings findings) {
    String path = seccompProfile.path("localhostProfile").asText(null);
    if (!"Localhost".equals(seccompProfile.path("type").asText()) || path == null) {
      return false;
    }
    String normal = ProfileRef.normalize(path);
    if (!normal.startsWith(ProfileRef.ROOT_DIR + "/")) {
      return false;
    }
    Optional<ProfileRef> ref = ProfileRef.fromLocalhostProfile(normal);
    if (ref.isEmpty() || !ref.get().namespace().equals(pod.namespace())) {
      findings.refuse(
          where
              + ": localhostProfile \""
              + path
              + "\" is not a profile of namespace "
              + pod.namespace()
              + "; pods may use only their own namespace's SeccompProfiles ("
              + ProfileRef.ROOT_DIR
              + "/"
              + pod.namespace()
              + "/<name>.json)");
      return false;
    }
    // By path, not by name: a name over 250 characters has a file name that does not spell it.
    ns.profiles().stream()
        .filter(p -> p.ref().localhostProfile().equals(normal))
        .findFirst()
        .ifPresentOrElse(
            p -> warnIfNotInstalled(p, findings),
            () ->
                findings.warn(
                    where
                        + ": there is no SeccompProfile "
                        + ref.get()
                        + "; the container will fail with"
                        + " CreateContainerError until it exists"));
    return true;
  }

  /**
   * Writes the new lists unless the container already has exactly them. Equal as parsed is not
   * enough: the runtime reads {@code " ALL"} or {@code CAP_CHOWN} differently from us, so any other
   * spelling is rewritten.
   */
  private static void applyCapabilities(CapabilityChange change, ObjectNode sc) {
    List<String> drop = CapabilityPlan.names(change.dropAll(), change.drop());
    List<String> add = CapabilityPlan.names(false, change.add());
    JsonNode current = sc.path("capabilities");
    if (Set.copyOf(AdmittedPod.texts(current.path("drop"))).equals(Set.copyOf(drop))
        && Set.copyOf(AdmittedPod.texts(current.path("add"))).equals(Set.copyOf(add))) {
      return;
    }
    ObjectNode caps = sc.putObject("capabilities");
    drop.forEach(caps.putArray("drop")::add);
    if (!add.isEmpty()) {
      add.forEach(caps.putArray("add")::add);
    }
  }

  private static void addLabel(AdmittedPod pod, ArrayNode patch) {
    if (pod.labels().isEmpty()) {
      ObjectNode labels = JSON.objectNode().put(ApiNames.USES_PROFILES_LABEL, "true");
      patch.addObject().put("op", "add").put("path", "/metadata/labels").set("value", labels);
    } else {
      patch
          .addObject()
          .put("op", "add")
          .put("path", "/metadata/labels/" + pointerEscape(ApiNames.USES_PROFILES_LABEL))
          .put("value", "true");
    }
  }

  /** A map key as one JSON Pointer segment (RFC 6901). */
  private static String pointerEscape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
