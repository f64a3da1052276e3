package dev.leastprivilege.webhook;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.NamespacePolicies;
import dev.leastprivilege.core.admission.PolicyCandidate;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.core.admission.RecordingCandidate;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informers on SeccompProfiles, CapabilityPolicies, ProfileRecordings and Namespaces (whose labels
 * carry the opt-out and the recording opt-in). Each change rebuilds the planner's view of its
 * namespace once, so an admission only looks up a map. Every webhook replica runs these, with no
 * leader election. When the API server cannot be reached the informers keep their content and
 * retry; {@link PolicyFreshness} bounds how long that content is served.
 */
public final class InformerPolicyCache implements PolicyCache, AutoCloseable {
  /**
   * The webhook's informers list in pages: an unpaged list of tens of thousands of profiles can
   * outlast the client's request timeout on a busy API server, and a re-listing informer would then
   * retry it forever.
   */
  static final long LIST_PAGE = 500;

  private static final Logger LOG = LoggerFactory.getLogger(InformerPolicyCache.class);

  private final SharedIndexInformer<SeccompProfile> profiles;
  private final SharedIndexInformer<CapabilityPolicy> policies;
  private final SharedIndexInformer<ProfileRecording> recordings;
  private final SharedIndexInformer<Namespace> namespaces;
  private final Map<String, NamespacePolicies> views = new ConcurrentHashMap<>();

  private InformerPolicyCache(KubernetesClient client) {
    profiles =
        client
            .resources(SeccompProfile.class)
            .inAnyNamespace()
            .withLimit(LIST_PAGE)
            .runnableInformer(0);
    policies =
        client
            .resources(CapabilityPolicy.class)
            .inAnyNamespace()
            .withLimit(LIST_PAGE)
            .runnableInformer(0);
    recordings =
        client
            .resources(ProfileRecording.class)
            .inAnyNamespace()
            .withLimit(LIST_PAGE)
            .runnableInformer(0);
    namespaces = client.namespaces().withLimit(LIST_PAGE).runnableInformer(0);
    // Retry forever, the first list included: a webhook started while the API server is down
    // serves as soon as it is back, instead of exiting into a crash loop whose back-off outlasts
    // the outage. Until the first list the webhook is not ready and answers 503.
    profiles.exceptionHandler(InformerPolicyCache::retry);
    policies.exceptionHandler(InformerPolicyCache::retry);
    recordings.exceptionHandler(InformerPolicyCache::retry);
    namespaces.exceptionHandler(InformerPolicyCache::retry);
    profiles.itemStore(new WithoutManagedFields<>());
    policies.itemStore(new WithoutManagedFields<>());
    recordings.itemStore(new WithoutManagedFields<>());
    namespaces.itemStore(new WithoutManagedFields<>());
    profiles.addEventHandler(rebuildOn(o -> rebuild(o.getMetadata().getNamespace())));
    policies.addEventHandler(rebuildOn(o -> rebuild(o.getMetadata().getNamespace())));
    recordings.addEventHandler(rebuildOn(o -> rebuild(o.getMetadata().getNamespace())));
    namespaces.addEventHandler(rebuildOn(o -> rebuild(o.getMetadata().getName())));
  }

  /**
   * Starts the informers without waiting for their first list (the API server may be down): {@link
   * #ready()} says when it is done.
   */
  public static InformerPolicyCache start(KubernetesClient client) {
    InformerPolicyCache cache = new InformerPolicyCache(client);
    cache.profiles.start();
    cache.policies.start();
    cache.recordings.start();
    cache.namespaces.start();
    return cache;
  }

  private static boolean retry(boolean started, Throwable t) {
    LOG.warn(
        "the webhook's {} cannot reach the API server ({}); retrying, answering from the last"
            + " known policies meanwhile",
        started ? "watch" : "first list",
        t.getMessage());
    return true;
  }

  /** Whether every informer watches the API server now; false while one re-connects or re-lists. */
  public boolean watching() {
    return profiles.isWatching()
        && policies.isWatching()
        && recordings.isWatching()
        && namespaces.isWatching();
  }

  @Override
  public NamespacePolicies forNamespace(String namespace) {
    return views.getOrDefault(namespace, NamespacePolicies.EMPTY);
  }

  @Override
  public boolean ready() {
    return profiles.hasSynced()
        && policies.hasSynced()
        && recordings.hasSynced()
        && namespaces.hasSynced();
  }

  private void rebuild(String ns) {
    // compute() serialises rebuilds of one namespace, so a slow older rebuild cannot overwrite a
    // newer one.
    views.compute(
        ns,
        (k, old) -> {
          Namespace namespace = namespaces.getIndexer().getByKey(ns);
          List<ProfileCandidate> p =
              profiles.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
                  .filter(x -> live(x) && x.getSpec() != null)
                  .map(InformerPolicyCache::candidate)
                  .sorted(Comparator.comparing(c -> c.ref().name()))
                  .toList();
          List<PolicyCandidate> c =
              policies.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
                  // Invalid policies too: they enforce what they can (PolicyCandidate), rather than
                  // nothing.
                  .filter(x -> live(x) && x.getSpec() != null)
                  .map(x -> PolicyCandidate.of(x.getMetadata().getName(), x.getSpec()))
                  .sorted(Comparator.comparing(PolicyCandidate::name))
                  .toList();
          List<RecordingCandidate> r =
              recordings.getIndexer().byIndex(Cache.NAMESPACE_INDEX, ns).stream()
                  .filter(x -> live(x) && x.getSpec() != null)
                  .map(InformerPolicyCache::recording)
                  .sorted(Comparator.comparing(RecordingCandidate::name))
                  .toList();
          Map<String, String> labels =
              namespace == null || namespace.getMetadata().getLabels() == null
                  ? Map.of()
                  : Map.copyOf(namespace.getMetadata().getLabels());
          return p.isEmpty() && c.isEmpty() && r.isEmpty() && labels.isEmpty()
              ? null
              : new NamespacePolicies(labels, p, c, r);
        });
  }

  /** A profile or policy being deleted selects no new pod. */
  private static boolean live(HasMetadata o) {
    return o.getMetadata().getDeletionTimestamp() == null;
  }

  /** The webhook's view of a profile; the operator reviews running pods with the same one. */
  public static ProfileCandidate candidate(SeccompProfile p) {
    var spec = p.getSpec();
    var status = p.getStatus();
    boolean current =
        status != null
            && status.getObservedGeneration() != null
            && status.getObservedGeneration().equals(p.getMetadata().getGeneration());
    boolean installed = current && status.getPhase() == ProfilePhase.Installed;
    String rollout =
        status == null || status.getPhase() == null
            ? "not rolled out yet"
            : status.getPhase()
                + (status.getInstalledOn() == null
                    ? ""
                    : ", " + status.getInstalledOn() + " nodes");
    return new ProfileCandidate(
        new ProfileRef(p.getMetadata().getNamespace(), p.getMetadata().getName()),
        spec.getPodSelector(),
        spec.getContainerNames(),
        spec.getMode(),
        installed,
        rollout,
        missingFile(status));
  }

  /** The webhook's view of a recording: what it selects and records, its phase and its age. */
  static RecordingCandidate recording(ProfileRecording r) {
    var spec = r.getSpec();
    return new RecordingCandidate(
        r.getMetadata().getName(),
        spec.getPodSelector(),
        spec.getContainerNames() == null ? List.of() : spec.getContainerNames(),
        spec.getRecord() == null ? Set.of() : new HashSet<>(spec.getRecord()),
        r.getStatus() == null ? null : r.getStatus().getPhase(),
        created(r.getMetadata().getCreationTimestamp()));
  }

  /** The API server always sets creationTimestamp (RFC 3339); null sorts a recording last. */
  private static Instant created(String timestamp) {
    try {
      return timestamp == null ? null : Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Why no node has a file for the profile, or null when the operator has published one
   * (status.contentHash is the hash of the published file; a later invalid spec keeps it, and the
   * nodes keep that last valid file).
   */
  private static String missingFile(SeccompProfileStatus status) {
    if (status != null && status.getContentHash() != null) {
      return null;
    }
    if (status == null || status.getConditions() == null || status.getConditions().isEmpty()) {
      return "the operator has not published it yet";
    }
    return status.getConditions().get(0).getMessage();
  }

  private static <T extends HasMetadata> ResourceEventHandler<T> rebuildOn(Consumer<T> rebuild) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        rebuild.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        rebuild.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        rebuild.accept(obj);
      }
    };
  }

  @Override
  public void close() {
    profiles.close();
    policies.close();
    recordings.close();
    namespaces.close();
  }
}
