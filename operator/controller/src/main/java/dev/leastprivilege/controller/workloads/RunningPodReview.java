package dev.leastprivilege.controller.workloads;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.PodSelector;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.ExemptNamespaces;
import dev.leastprivilege.core.admission.PodCompliance;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.workload.RestartRequest;
import dev.leastprivilege.core.workload.RestartRule;
import dev.leastprivilege.webhook.InformerPolicyCache;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The review of running pods, shared by SeccompProfiles and CapabilityPolicies: the pods an object
 * selects that run without what it imposes (they started before it, were admitted in Audit mode, or
 * while the webhook was down). Compliance is core's {@link PodCompliance}, the definition the
 * webhook uses for its Audit warnings too. The owners of non-compliant pods are named in an Event
 * when their number changes, and restarted as {@code kubectl rollout restart} does when the object
 * asks for it ({@code restartNonCompliant: true}) and this installation lets it: core's {@link
 * RestartRule} decides, so that a workload is restarted once per change of the objects that ask for
 * it. Nothing is restarted for an Audit object, nor in a namespace the product never touches
 * ({@link ExemptNamespaces}); with restarts disabled it does not even read a workload.
 *
 * <p>Pods are listed by the API server with the object's own selector, on each reconcile and every
 * {@link #recount()}, rather than cached: an object selects a few pods, a cluster may run hundreds
 * of thousands.
 *
 * <p>The review writes no status: it returns what it found, and the object's reconciler, the one
 * writer of its status, puts that there.
 */
public final class RunningPodReview {
  /** How many owners an Event names; it counts the rest. */
  static final int MAX_OWNERS_NAMED = 10;

  private final KubernetesClient client;
  private final KubernetesSerialization json;
  private final EventRecorder events;
  private final RolloutRestarter restarter;
  private final Duration recount;
  private final boolean restartsEnabled;
  private final ExemptNamespaces exempt;

  /** One non-compliant pod and what is wrong with it. */
  public record Finding(Pod pod, List<PodCompliance.Violation> violations) {}

  /**
   * What a review found: how many running pods the object selects, those not compliant, and their
   * owners; {@code restartBlocked} says why an object that asks for restarts restarts nothing (for
   * its status warnings).
   */
  public record Result(
      int selected,
      List<Finding> nonCompliant,
      Set<Owner> owners,
      Optional<String> restartBlocked) {}

  /**
   * @param recount how soon an object that selects pods is reviewed again
   * @param restartsEnabled whether this installation may patch workloads (the chart's {@value
   *     RestartRule#CHART_VALUE}, which grants the RBAC for it)
   * @param operatorNamespace the operator's own namespace, never touched
   */
  public RunningPodReview(
      KubernetesClient client,
      EventRecorder events,
      Duration recount,
      boolean restartsEnabled,
      String operatorNamespace) {
    this.client = client;
    this.json = client.getKubernetesSerialization();
    this.events = events;
    this.recount = recount;
    this.restarter = new RolloutRestarter(client);
    this.restartsEnabled = restartsEnabled;
    this.exempt = new ExemptNamespaces(operatorNamespace);
  }

  /** How soon an object that selects pods is reviewed again: pods are listed, not watched. */
  public Duration recount() {
    return recount;
  }

  /**
   * The running pods a profile selects, or that an annotation points at it, that do not run under
   * it.
   *
   * @param namespaceProfiles the namespace's live profiles: they settle which one an annotation
   *     picks, exactly as at admission
   * @param installedEverywhere whether the profile is installed on every node; owners are restarted
   *     only then, since a restarted pod must find its file on whichever node it lands
   */
  public Result ofProfile(
      SeccompProfile profile, List<SeccompProfile> namespaceProfiles, boolean installedEverywhere) {
    ProfileCandidate candidate = InformerPolicyCache.candidate(profile);
    List<ProfileCandidate> inNamespace =
        namespaceProfiles.stream().map(InformerPolicyCache::candidate).toList();
    Integer previous =
        profile.getStatus() == null ? null : profile.getStatus().getNonCompliantPods();
    return review(
        profile,
        profile.getSpec().getPodSelector(),
        pod -> PodCompliance.ofProfile(pod, candidate, inNamespace),
        previous,
        profile.getSpec().getMode(),
        profile.getSpec().getRestartNonCompliant(),
        installedEverywhere);
  }

  /**
   * The running pods a policy selects whose capabilities break it. An invalid policy is reviewed
   * against what the webhook enforces of it ({@link PolicyCandidate}), so its counts keep meaning
   * something while it is invalid.
   *
   * @param namespaceScoped whether the namespace's pods are sent to the webhook yet; owners are
   *     restarted only then, since restarted pods must be admitted through it
   */
  public Result ofPolicy(CapabilityPolicy policy, boolean namespaceScoped) {
    PolicyCandidate candidate =
        PolicyCandidate.of(policy.getMetadata().getName(), policy.getSpec());
    Integer previous = policy.getStatus() == null ? null : policy.getStatus().getNonCompliantPods();
    // An invalid policy restarts nothing: what it selects and grants is not what its author meant.
    boolean valid =
        CapabilityPolicyValidator.validate(
                policy.getMetadata().getNamespace(),
                policy.getMetadata().getName(),
                policy.getSpec())
            .ok();
    return review(
        policy,
        policy.getSpec().getPodSelector(),
        pod -> PodCompliance.ofPolicy(pod, candidate),
        previous,
        policy.getSpec().getMode(),
        policy.getSpec().getRestartNonCompliant(),
        valid && namespaceScoped);
  }

  /**
   * Lists the selected running pods and judges each; when the number of non-compliant ones changed
   * since {@code previousCount}, records an Event naming their owners, and restarts the owners when
   * the object asks for it, nothing blocks it, and {@code ready} (a profile is on every node; a
   * policy is valid).
   */
  private Result review(
      HasMetadata about,
      PodSelector selector,
      Function<AdmittedPod, List<PodCompliance.Violation>> compliance,
      Integer previousCount,
      Mode mode,
      Boolean restartNonCompliant,
      boolean ready) {
    String ns = about.getMetadata().getNamespace();
    // The namespace is read only when it could matter: the object asks, and restarts are enabled.
    boolean asks = RestartRequest.asks(mode, restartNonCompliant);
    Optional<String> blocked =
        RestartRule.blocked(
            mode,
            restartNonCompliant,
            restartsEnabled,
            asks && restartsEnabled && exempt.exempt(ns, namespaceLabels(ns)));
    boolean restart = asks && blocked.isEmpty() && ready;
    List<Pod> selected = selected(ns, selector);
    List<Finding> wrong =
        selected.stream()
            .map(
                p ->
                    new Finding(
                        p,
                        compliance.apply(AdmittedPod.of(json.convertValue(p, JsonNode.class), ns))))
            .filter(f -> !f.violations().isEmpty())
            .toList();
    Set<Owner> owners = new LinkedHashSet<>();
    wrong.forEach(f -> owners.add(ownerOf(f.pod())));
    String reason = reason(about);
    boolean changed = previousCount == null || previousCount != wrong.size();
    if (!wrong.isEmpty() && changed) {
      events.warning(
          about,
          "NonCompliantPods",
          wrong.size()
              + " running pods do not use "
              + reason
              + " (they"
              + " started before it or while the webhook was down), owned by: "
              + join(owners)
              + advice(restart, blocked, mode));
    }
    if (restart) {
      Supplier<List<RestartRequest>> objects = memoized(() -> restartRequests(ns));
      for (Owner o : owners) {
        if (o.restartable()
            && restarter.restart(o, about.getKind(), about.getMetadata().getName(), objects)) {
          events.normal(
              about,
              "RolloutRestarted",
              "restarted " + o + " so that its pods are admitted with " + reason);
        }
      }
    }
    return new Result(selected.size(), wrong, owners, blocked);
  }

  /** What the NonCompliantPods Event tells the user to do. */
  private static String advice(boolean restart, Optional<String> blocked, Mode mode) {
    if (restart) {
      return "";
    }
    if (blocked.isPresent()) {
      return ". Not restarted: "
          + blocked.get()
          + ". Restart them yourself (kubectl rollout restart).";
    }
    return mode == Mode.Audit
        ? ". Restart them (kubectl rollout restart) to have them admitted with it."
        : ". Restart them (kubectl rollout restart) or set spec.restartNonCompliant: true.";
  }

  private Map<String, String> namespaceLabels(String namespace) {
    Namespace n = client.namespaces().withName(namespace).get();
    return n == null || n.getMetadata().getLabels() == null
        ? Map.of()
        : n.getMetadata().getLabels();
  }

  /**
   * Every SeccompProfile and CapabilityPolicy of the namespace, read from the API server rather
   * than a cache, so that the two reconcilers see the same set when they decide about one workload.
   * Read only when a restart is being decided.
   */
  private List<RestartRequest> restartRequests(String namespace) {
    List<RestartRequest> out = new ArrayList<>();
    for (SeccompProfile p :
        client.resources(SeccompProfile.class).inNamespace(namespace).list().getItems()) {
      if (p.getSpec() != null && p.getMetadata().getDeletionTimestamp() == null) {
        out.add(
            RestartRequest.ofProfile(
                p.getMetadata().getName(), generation(p), p.getMetadata().getUid(), p.getSpec()));
      }
    }
    for (CapabilityPolicy p :
        client.resources(CapabilityPolicy.class).inNamespace(namespace).list().getItems()) {
      if (p.getSpec() != null) {
        out.add(
            RestartRequest.ofPolicy(
                p.getMetadata().getName(), generation(p), p.getMetadata().getUid(), p.getSpec()));
      }
    }
    return out;
  }

  private static long generation(HasMetadata o) {
    return o.getMetadata().getGeneration() == null ? 0 : o.getMetadata().getGeneration();
  }

  private static <T> Supplier<T> memoized(Supplier<T> s) {
    return new Supplier<>() {
      private T value;

      @Override
      public T get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }

  /** Which version of which object asks, e.g. "SeccompProfile web@3", for messages. */
  private static String reason(HasMetadata about) {
    Long generation = about.getMetadata().getGeneration();
    return about.getKind()
        + " "
        + about.getMetadata().getName()
        + "@"
        + (generation == null ? 0 : generation);
  }

  /** Running pods of the namespace the selector picks (an absent selector picks all). */
  private List<Pod> selected(String namespace, PodSelector selector) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabelSelector(PodSelectors.toLabelSelector(selector))
        .list()
        .getItems()
        .stream()
        .filter(
            p ->
                p.getStatus() == null
                    || !List.of("Succeeded", "Failed").contains(p.getStatus().getPhase()))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private Owner ownerOf(Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    Optional<OwnerReference> ref = controller(pod);
    if (ref.isEmpty()) {
      return new Owner("Pod", ns, pod.getMetadata().getName());
    }
    if (ref.get().getKind().equals("ReplicaSet")) {
      ReplicaSet rs =
          client.apps().replicaSets().inNamespace(ns).withName(ref.get().getName()).get();
      Optional<OwnerReference> deployment = rs == null ? Optional.empty() : controller(rs);
      if (deployment.isPresent()) {
        return new Owner(deployment.get().getKind(), ns, deployment.get().getName());
      }
    }
    return new Owner(ref.get().getKind(), ns, ref.get().getName());
  }

  private static Optional<OwnerReference> controller(HasMetadata o) {
    return o.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  private static String join(Set<Owner> owners) {
    return String.join(", ", owners.stream().limit(MAX_OWNERS_NAMED).map(Owner::toString).toList())
        + (owners.size() > MAX_OWNERS_NAMED
            ? " and " + (owners.size() - MAX_OWNERS_NAMED) + " more"
            : "");
  }
}
