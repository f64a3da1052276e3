package dev.leastprivilege.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a synthetic AdmissionReview is, in one place: the reviews the webhook sends itself before it
 * reports ready ({@link WarmUp}), so that the JIT has compiled the admission path before the API
 * server's first requests arrive.
 *
 * <p>A synthetic review is one whose {@code request.uid} starts with {@link #UID_PREFIX}, in the
 * namespace {@link #NAMESPACE}. It is only ever sent to a loopback server of the webhook's own,
 * answered from {@link #policies()} (never the informers), with a handler whose metrics nobody
 * scrapes and which never reads the API server: the shapes below need no read (a pod CREATE, and
 * the Pod body of ephemeral containers that Kubernetes 1.22 and later sends). That handler, made
 * for the warm-up alone, does not log its refusals; the real server's handler logs every refusal,
 * whatever the uid.
 *
 * <p>The shapes are the ones the API server sends most, each through a different part of the
 * planner: a Deployment's pod that a profile and a policy patch, a pod a policy refuses, a pod
 * nothing selects, a privileged pod under Audit-mode objects (warnings), a pod with init containers
 * and an annotation choosing its profile, {@code kubectl debug}'s ephemeral container, and an
 * UPDATE the webhook lets through.
 */
public final class SyntheticReviews {
  /** Every synthetic review's uid starts with this, to tell them apart in the warm-up's traces. */
  public static final String UID_PREFIX = "lpo-warm-up-";

  /** The namespace of every synthetic pod. */
  public static final String NAMESPACE = "lpo-warm-up";

  private SyntheticReviews() {}

  /**
   * The namespace's profiles and policies the synthetic reviews are planned against: 20 of each, as
   * a namespace with a few workloads has, so selection runs over a realistic list.
   */
  static NamespacePolicies policies() {
    List<ProfileCandidate> profiles = new ArrayList<>();
    List<PolicyCandidate> policies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String app = i == 0 ? "web" : i == 1 ? "audited" : "app-" + i;
      Mode mode = i == 1 ? Mode.Audit : Mode.Enforce;
      PodSelector s = selector(app);
      profiles.add(
          new ProfileCandidate(
              new ProfileRef(NAMESPACE, "profile-" + i), s, List.of(), mode, true, "Installed"));
      CapabilityPolicySpec spec = new CapabilityPolicySpec();
      spec.setPodSelector(s);
      spec.setMode(mode);
      spec.setDrop(new ArrayList<>(List.of("ALL")));
      spec.setAdd(new ArrayList<>(List.of("NET_BIND_SERVICE")));
      spec.setAllowed(new ArrayList<>(List.of("CHOWN")));
      policies.add(PolicyCandidate.of("policy-" + i, spec));
    }
    // An unselected profile a pod's annotation may choose.
    profiles.add(
        new ProfileCandidate(
            new ProfileRef(NAMESPACE, "chosen"), null, List.of(), Mode.Enforce, true, "Installed"));
    return new NamespacePolicies(Map.of(), profiles, policies);
  }

  /**
   * The request bodies, one of each shape, weighted as admissions come: most are pods of
   * Deployments. Each has its own uid.
   */
  static List<byte[]> bodies() {
    List<byte[]> bodies = new ArrayList<>();
    int n = 0;
    for (String pod :
        List.of(WEB, WEB, WEB, WEB, UNSELECTED, UNSELECTED, REFUSED, AUDITED, CHOSEN)) {
      bodies.add(review(n++, "CREATE", "", json(pod), null));
    }
    JsonNode stored = json(WEB.replace("\"generateName\":\"web-7d9f8b-\"", "\"name\":\"web-0\""));
    ObjectNode debugged = stored.deepCopy();
    ((ObjectNode) debugged.path("spec"))
        .putArray("ephemeralContainers")
        .add(json("{\"name\":\"debugger\",\"image\":\"busybox\",\"stdin\":true,\"tty\":true}"));
    bodies.add(review(n++, "UPDATE", "ephemeralcontainers", debugged, stored));
    bodies.add(review(n, "UPDATE", "", stored, stored));
    return bodies;
  }

  private static byte[] review(
      int n, String operation, String subResource, JsonNode object, JsonNode oldObject) {
    return AdmissionReviews.podReview(
            UID_PREFIX + n, operation, subResource, NAMESPACE, object, oldObject)
        .toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static PodSelector selector(String app) {
    PodSelector s = new PodSelector();
    s.getMatchLabels().put("app", app);
    return s;
  }

  private static JsonNode json(String text) {
    try {
      return AdmissionReviews.JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String WEB =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-7d9f8b-","namespace":"lpo-warm-up",
       "labels":{"app":"web","pod-template-hash":"7d9f8b"},
       "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b","uid":"0b6c","controller":true}]},
       "spec":{"containers":[{"name":"web","image":"registry.example/web:1.4.2","ports":[{"containerPort":80}],
         "env":[{"name":"MODE","value":"production"}],
         "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},
         "readinessProbe":{"httpGet":{"path":"/healthz","port":80},"periodSeconds":5},
         "securityContext":{"runAsUser":1000,"capabilities":{"add":["CHOWN"]}}}],
        "serviceAccountName":"default"}}
      """;

  private static final String UNSELECTED =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"batch-","namespace":"lpo-warm-up",
       "labels":{"app":"batch"}},
       "spec":{"containers":[{"name":"job","image":"registry.example/job:2","args":["--once"]}],
        "restartPolicy":"Never"}}
      """;

  private static final String REFUSED =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-x-","namespace":"lpo-warm-up",
       "labels":{"app":"web"}},
       "spec":{"containers":[{"name":"web","image":"registry.example/web:1.4.2",
         "securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}
      """;

  private static final String AUDITED =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"audited-","namespace":"lpo-warm-up",
       "labels":{"app":"audited"}},
       "spec":{"hostPID":true,"containers":[{"name":"tool","image":"registry.example/tool:1",
         "securityContext":{"privileged":true,"allowPrivilegeEscalation":true,
          "seccompProfile":{"type":"Unconfined"},"capabilities":{"add":["NET_ADMIN"]}}}]}}
      """;

  private static final String CHOSEN =
      """
      {"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"chosen-","namespace":"lpo-warm-up",
       "labels":{"app":"other"},"annotations":{"leastprivilege.dev/seccomp-profile":"chosen"}},
       "spec":{"initContainers":[{"name":"init","image":"registry.example/init:1"}],
        "containers":[{"name":"a","image":"registry.example/a:1"},{"name":"b","image":"registry.example/b:1",
         "securityContext":{"capabilities":{"drop":["ALL"]}}}]}}
      """;
}
