package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.StatusDiff;
import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.controller.workloads.NonCompliantPods;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.ProfileCandidate;
import dev.leastprivilege.core.admission.PodCompliance;
import dev.leastprivilege.webhook.InformerPolicyCache;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.status.NodeReport;
import dev.leastprivilege.core.status.ProfileStatusFolder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SeccompProfile → rendered ConfigMap → status, as a short pipeline:
 * <ol>
 *   <li>compile (validate, resolve bases, render, lint) with core;</li>
 *   <li>publish the rendered file as a ConfigMap, keeping the last good one when the spec is invalid;</li>
 *   <li>fold the node reports and active pods into a status;</li>
 *   <li>review the running pods it selects but that run without it (and restart their owners if asked);</li>
 *   <li>patch the status only when it changed.</li>
 * </ol>
 * This reconciler is the only writer of SeccompProfile status and of the rendered ConfigMaps; it never writes a
 * profile's spec, labels or annotations.
 */
@ControllerConfiguration(name = SeccompProfileReconciler.NAME, finalizerName = SeccompProfileReconciler.FINALIZER)
public final class SeccompProfileReconciler implements Reconciler<SeccompProfile>, Cleaner<SeccompProfile> {
  public static final String NAME = "seccompprofile";
  public static final String FINALIZER = "leastprivilege.dev/finalizer";
  /** After this long waiting for nodes to drop a deleted profile's file, the finalizer goes anyway. */
  static final Duration REMOVAL_GRACE = Duration.ofSeconds(60);
  /** How soon a profile compiled against a base the primary cache had not caught up with is compiled again. */
  static final long STALE_BASE_RETRY_MILLIS = 200;
  private static final Logger LOG = LoggerFactory.getLogger(SeccompProfileReconciler.class);

  private final String operatorNamespace;
  private final EventRecorder events;
  private final RolloutMetrics metrics;
  private final NodeReportIndex nodeReports = new NodeReportIndex();
  private final NonCompliantPods nonCompliantPods;
  private final KubernetesSerialization json;
  private RenderedProfilePublisher publisher;

  public SeccompProfileReconciler(String operatorNamespace, EventRecorder events, NonCompliantPods nonCompliantPods,
      KubernetesSerialization json, MeterRegistry registry) {
    this.operatorNamespace = operatorNamespace;
    this.events = events;
    this.nonCompliantPods = nonCompliantPods;
    this.json = json;
    this.metrics = new RolloutMetrics(registry);
  }

  @Override
  public List<EventSource<?, SeccompProfile>> prepareEventSources(EventSourceContext<SeccompProfile> ctx) {
    publisher = new RenderedProfilePublisher(ctx.getClient(), operatorNamespace);
    return ProfileEventSources.create(ctx, operatorNamespace, nodeReports);
  }

  @Override
  public UpdateControl<SeccompProfile> reconcile(SeccompProfile profile, Context<SeccompProfile> ctx) {
    ProfileCompilation.Result compilation = ProfileCompilation.compile(profile, ctx.getPrimaryCache(),
        baseVersions(ctx));
    CompiledProfile compiled = compilation.compiled();
    Optional<ConfigMap> published = ctx.getSecondaryResource(ConfigMap.class);
    String publishedHash = compiled.ok() ? publisher.publish(compiled.rendered(), published)
        : RenderedProfilePublisher.publishedHash(published).orElse(null);
    if (!compiled.ok() && readyReason(profile).orElse(null) != ConditionReason.InvalidSpec) {
      events.warning(profile, ConditionReason.InvalidSpec.name(), compiled.errors().get(0) + (publishedHash == null ? ""
          : "; the nodes keep the last valid version") + ". Fix the spec; lpo lint shows every error.");
    }
    SeccompProfileStatus next = fold(profile, ctx, compiled, publishedHash, false);
    boolean selects = profile.getSpec() != null && profile.getSpec().getPodSelector() != null;
    if (selects) {
      next.setNonCompliantPods(reviewRunningPods(profile, next, ctx));
    }
    metrics.observe(profile, next.getPhase());
    LOG.debug("{}: {} {} ({})", ProfileCompilation.refOf(profile), next.getPhase(), next.getInstalledOn(),
        next.getConditions().get(0).getMessage());
    UpdateControl<SeccompProfile> control = patchIfChanged(profile, next);
    return compilation.staleBase() ? control.rescheduleAfter(STALE_BASE_RETRY_MILLIS)
        : selects ? control.rescheduleAfter(nonCompliantPods.recount()) : control;
  }

  /**
   * Counts the running pods the profile selects that run without it, names their owners, and restarts them when
   * the spec asks and the profile is installed everywhere (a restarted pod must find its file on the node).
   */
  private int reviewRunningPods(SeccompProfile profile, SeccompProfileStatus next, Context<SeccompProfile> ctx) {
    String ns = profile.getMetadata().getNamespace();
    ProfileCandidate candidate = InformerPolicyCache.candidate(profile);
    // The namespace's other profiles settle which one an annotation picks, exactly as at admission.
    List<ProfileCandidate> inNamespace = ctx.getPrimaryCache().list(ns)
        .filter(p -> p.getSpec() != null && p.getMetadata().getDeletionTimestamp() == null)
        .map(InformerPolicyCache::candidate).toList();
    boolean restart = Boolean.TRUE.equals(profile.getSpec().getRestartNonCompliant())
        && next.getPhase() == ProfilePhase.Installed;
    NonCompliantPods.Review review = nonCompliantPods.review(profile,
        nonCompliantPods.selected(ns, profile.getSpec().getPodSelector()),
        pod -> PodCompliance.ofProfile(AdmittedPod.of(json.convertValue(pod, JsonNode.class), ns), candidate,
            inNamespace).isEmpty(),
        profile.getStatus() == null ? null : profile.getStatus().getNonCompliantPods(), restart,
        "SeccompProfile " + profile.getMetadata().getName() + "@" + profile.getMetadata().getGeneration());
    return review.nonCompliant().size();
  }

  /** The resourceVersion of each profile as the base-change informer last saw it. */
  private static Function<ResourceID, Optional<String>> baseVersions(Context<SeccompProfile> ctx) {
    var bases = source(ctx, SeccompProfile.class, ProfileEventSources.BASES);
    return id -> bases.get(id).map(p -> p.getMetadata().getResourceVersion());
  }

  @Override
  public DeleteControl cleanup(SeccompProfile profile, Context<SeccompProfile> ctx) {
    ProfileRef ref = ProfileCompilation.refOf(profile);
    SeccompProfileStatus next = fold(profile, ctx, null, profile.getStatus() == null ? null
        : profile.getStatus().getContentHash(), true);
    if (!next.getActiveWorkloads().isEmpty()) {
      SeccompProfileStatus before = profile.getStatus();
      boolean news = before == null || before.getPhase() != ProfilePhase.Terminating
          || !next.getActiveWorkloads().equals(before.getActiveWorkloads());
      if (news) {
        events.warning(profile, "InUse", "not removed from the nodes while " + next.getActiveWorkloads().size()
            + " pods use it: " + String.join(", ", next.getActiveWorkloads())
            + ". Delete or update those pods; the profile goes once they are gone.");
      }
      writeStatus(profile, next, ctx);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(30).toMillis());
    }
    publisher.unpublish(ref);
    boolean stillOnNodes = nodeReports.installedAnywhere(ref, nodeStatuses(ctx));
    Instant since = Instant.parse(profile.getMetadata().getDeletionTimestamp());
    if (stillOnNodes && Instant.now().isBefore(since.plus(REMOVAL_GRACE))) {
      writeStatus(profile, next, ctx);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(2000);
    }
    if (stillOnNodes) {
      events.warning(profile, "NodesDidNotConfirm", "some nodes did not confirm removing "
          + ref.localhostProfile() + " within " + REMOVAL_GRACE.toSeconds() + "s; their agents remove it when"
          + " they next sync");
    }
    metrics.forget(profile);
    LOG.info("{} removed from the nodes", ref);
    return DeleteControl.defaultDelete();
  }

  private SeccompProfileStatus fold(SeccompProfile profile, Context<SeccompProfile> ctx, CompiledProfile compiled,
      String publishedHash, boolean deleting) {
    ProfileRef ref = ProfileCompilation.refOf(profile);
    Set<String> nodes = nodeNames(ctx);
    Map<String, NodeReport> reports = nodeReports.reportsFor(ref, nodeStatuses(ctx));
    // The pod event source's mapper already indexed the pods by the profiles they use.
    List<String> pods = ctx.getSecondaryResources(Pod.class).stream()
        .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).sorted().toList();
    long generation = profile.getMetadata().getGeneration() == null ? 0 : profile.getMetadata().getGeneration();
    return ProfileStatusFolder.fold(new ProfileStatusFolder.Input(generation,
        compiled == null ? List.of() : compiled.errors(), compiled == null ? List.of() : compiled.warnings(),
        ref.localhostProfile(), publishedHash, nodes, reports, pods, deleting, profile.getStatus(),
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
  }

  private static Set<String> nodeNames(Context<SeccompProfile> ctx) {
    return source(ctx, Node.class, ProfileEventSources.NODES).list().map(n -> n.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  private static Stream<NodeProfileStatus> nodeStatuses(Context<SeccompProfile> ctx) {
    return source(ctx, NodeProfileStatus.class, ProfileEventSources.NODE_REPORTS).list();
  }

  /** One of the informers ProfileEventSources registered, read directly (no per-profile index). */
  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> InformerEventSource<R, SeccompProfile> source(Context<SeccompProfile> ctx,
      Class<R> type, String name) {
    return (InformerEventSource<R, SeccompProfile>) ctx.eventSourceRetriever().getEventSourceFor(type, name);
  }

  private static Optional<ConditionReason> readyReason(SeccompProfile p) {
    return p.getStatus() == null ? Optional.empty() : ConditionReason.ofReady(p.getStatus().getConditions());
  }

  private static UpdateControl<SeccompProfile> patchIfChanged(SeccompProfile profile, SeccompProfileStatus next) {
    if (StatusDiff.same(profile.getStatus(), next)) {
      return UpdateControl.noUpdate();
    }
    profile.setStatus(next);
    return UpdateControl.patchStatus(profile);
  }

  /** During deletion the status is written here, by the same reconciler, since a DeleteControl cannot carry it. */
  private static void writeStatus(SeccompProfile profile, SeccompProfileStatus next, Context<SeccompProfile> ctx) {
    if (next.getPhase() == ProfilePhase.Terminating && !StatusDiff.same(profile.getStatus(), next)) {
      profile.setStatus(next);
      ctx.getClient().resource(profile).patchStatus();
    }
  }
}
