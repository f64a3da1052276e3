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
 * Decides, for one Pod CREATE, which securityContext fields change, whether the pod is refused, and which
 * warnings the user sees. Pure: the webhook feeds it from caches and turns the plan into an AdmissionReview
 * response. Planning a pod it already patched yields no change, so a re-admitted pod is left as it is.
 */
public final class MutationPlanner {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private final Set<String> exemptNamespaces;

  /** @param operatorNamespace the operator's own namespace, which like kube-system is never touched */
  public MutationPlanner(String operatorNamespace) {
    this.exemptNamespaces = Set.of("kube-system", operatorNamespace);
  }

  public AdmissionPlan plan(AdmittedPod pod, NamespacePolicies ns) {
    if (exempt(pod.namespace(), ns)) {
      return new AdmissionPlan(true, null, JSON.arrayNode(), List.of());
    }
    Findings findings = new Findings();
    ArrayNode patch = JSON.arrayNode();
    boolean usesOurs = checkReference(pod, "spec.securityContext.seccompProfile", pod.podSeccompProfile(), ns,
        findings);
    for (AdmittedPod.AdmittedContainer c : pod.containers()) {
      ObjectNode sc = c.securityContext() == null ? JSON.objectNode() : c.securityContext().deepCopy();
      Optional<ProfileCandidate> profile = SeccompChoice.choose(pod, c, ns.profiles(), findings);
      if (profile.isPresent()) {
        usesOurs = true;
        applyProfile(c, profile.get(), sc, findings);
      } else {
        usesOurs |= checkReference(pod, "container " + c.name() + " securityContext.seccompProfile",
            c.seccompProfile(), ns, findings);
      }
      CapabilityPlan.plan(pod, c, ns.policies(), findings).ifPresent(change -> applyCapabilities(change, sc));
      if (!sc.equals(c.securityContext() == null ? JSON.objectNode() : c.securityContext())) {
        patch.addObject().put("op", "add").put("path", c.pointer() + "/securityContext").set("value", sc);
      }
    }
    if (!findings.refusals.isEmpty()) {
      return new AdmissionPlan(false, String.join("; ", findings.refusals), JSON.arrayNode(), findings.warnings);
    }
    if ((usesOurs || !patch.isEmpty()) && !"true".equals(pod.labels().get(ApiNames.USES_PROFILES_LABEL))) {
      addLabel(pod, patch);
    }
    return new AdmissionPlan(true, null, patch, findings.warnings);
  }

  private boolean exempt(String namespace, NamespacePolicies ns) {
    return exemptNamespaces.contains(namespace) || "true".equals(ns.labels().get(ApiNames.OPT_OUT_LABEL));
  }

  private static void applyProfile(AdmittedPod.AdmittedContainer c, ProfileCandidate p, ObjectNode sc,
      Findings findings) {
    ObjectNode wanted = JSON.objectNode().put("type", "Localhost").put("localhostProfile", p.ref().localhostProfile());
    JsonNode current = c.seccompProfile();
    if (!current.isMissingNode() && !current.isNull() && !current.equals(wanted)) {
      findings.warn("container " + c.name() + ": seccompProfile " + current + " replaced by SeccompProfile "
          + p.ref().name());
    }
    sc.set("seccompProfile", wanted);
    warnIfNotInstalled(p, findings);
  }

  private static void warnIfNotInstalled(ProfileCandidate p, Findings findings) {
    if (!p.installed()) {
      findings.warn("SeccompProfile " + p.ref() + " is not installed on every node yet (" + p.rollout() + "); a"
          + " container may fail with CreateContainerError until it is");
    }
  }

  /**
   * A seccompProfile the user wrote: one of ours must belong to the pod's namespace, and should be installed.
   * Returns whether it points at one of our files.
   */
  private static boolean checkReference(AdmittedPod pod, String where, JsonNode seccompProfile, NamespacePolicies ns,
      Findings findings) {
    String path = seccompProfile.path("localhostProfile").asText(null);
    if (!"Localhost".equals(seccompProfile.path("type").asText()) || path == null) {
      return false;
    }
    String normal = LocalhostPaths.normalize(path);
    if (!normal.startsWith(ProfileRef.ROOT_DIR + "/")) {
      return false;
    }
    Optional<ProfileRef> ref = ProfileRef.fromLocalhostProfile(normal);
    if (ref.isEmpty() || !ref.get().namespace().equals(pod.namespace())) {
      findings.refuse(where + ": localhostProfile \"" + path + "\" is not a profile of namespace " + pod.namespace()
          + "; pods may use only their own namespace's SeccompProfiles (" + ProfileRef.ROOT_DIR + "/"
          + pod.namespace() + "/<name>.json)");
      return false;
    }
    ns.profiles().stream().filter(p -> p.ref().equals(ref.get())).findFirst().ifPresentOrElse(
        p -> warnIfNotInstalled(p, findings),
        () -> findings.warn(where + ": there is no SeccompProfile " + ref.get() + "; the container will fail with"
            + " CreateContainerError until it exists"));
    return true;
  }

  /** Writes the new lists unless the container already has them (same names, in any order or spelling). */
  private static void applyCapabilities(CapabilityChange change, ObjectNode sc) {
    List<String> drop = CapabilityPlan.names(change.dropAll(), change.drop());
    List<String> add = CapabilityPlan.names(false, change.add());
    JsonNode current = sc.path("capabilities");
    if (parsed(current.path("drop")).equals(parsed(drop)) && parsed(current.path("add")).equals(parsed(add))) {
      return;
    }
    ObjectNode caps = sc.putObject("capabilities");
    drop.forEach(caps.putArray("drop")::add);
    if (!add.isEmpty()) {
      add.forEach(caps.putArray("add")::add);
    }
  }

  private static CapabilityChange.Parsed parsed(JsonNode list) {
    return parsed(AdmittedPod.texts(list));
  }

  private static CapabilityChange.Parsed parsed(List<String> names) {
    return CapabilityChange.parseList(names, "", new ArrayList<>());
  }

  private static void addLabel(AdmittedPod pod, ArrayNode patch) {
    if (pod.labels().isEmpty()) {
      ObjectNode labels = JSON.objectNode().put(ApiNames.USES_PROFILES_LABEL, "true");
      patch.addObject().put("op", "add").put("path", "/metadata/labels").set("value", labels);
    } else {
      patch.addObject().put("op", "add").put("path", "/metadata/labels/"
          + ApiNames.USES_PROFILES_LABEL.replace("~", "~0").replace("/", "~1")).put("value", "true");
    }
  }
}
