package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.AuditFinding;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.controller.recording.AuditFindingIndex;
import dev.leastprivilege.controller.recording.AuditFindingSource;
import dev.leastprivilege.controller.scope.NamespaceScope;
import dev.leastprivilege.controller.seccomp.RenderedProfilePublisher.Publication;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.ReconcileErrors;
import dev.leastprivilege.controller.support.StatusDiff;
import dev.leastprivilege.controller.workloads.RunningPodReview;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.record.AuditFold;
import dev.leastprivilege.core.status.ProfileStatusFolder;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SeccompProfile → rendered ConfigMap → status, as a short pipeline:
 *
 * <ol>
 *   <li>compile (validate, resolve bases, render, lint) with core ({@link ProfileCompilation});
 *   <li>publish the rendered file as a ConfigMap, keeping the last good one when the spec is
 *       invalid ({@link RenderedProfilePublisher});
 *   <li>fold the node reports and the pods that use it into a status, with core's {@link
 *       ProfileStatusFolder}; in Audit mode, the recorders' findings too ({@link AuditFold});
 *   <li>review the running pods it selects that run without it ({@link RunningPodReview}, shared
 *       with CapabilityPolicy);
 *   <li>say Installed only once the namespace carries the label that sends its pods to the webhook
 *       ({@link NamespaceScope}, shared with CapabilityPolicy);
 *   <li>patch the status only when it changed; progress while installing is paced ({@link
 *       StatusPacing}).
 * </ol>
 *
 * Deletion follows {@link ProfileDeletion}. This reconciler is the only writer of SeccompProfile
 * status and of the rendered ConfigMaps; it never writes a profile's spec, labels or annotations.
 */
@ControllerConfiguration(
    name = SeccompProfileReconciler.NAME,
    finalizerName = SeccompProfileReconciler.FINALIZER,
    informer =
        @Informer(
            informerListLimit = OperatorSettings.LIST_PAGE,
            itemStore = WithoutManagedFields.class))
public final class SeccompProfileReconciler
    implements Reconciler<SeccompProfile>, Cleaner<SeccompProfile> {
  public static final String NAME = "seccompprofile";
  public static final String FINALIZER = "leastprivilege.dev/finalizer";

  /** The Event reason when the profile's ConfigMap name is taken by another profile's. */
  public static final String CONFIGMAP_CONFLICT = "ConfigMapConflict";

  /**
   * How soon a profile compiled against a base the primary cache had not caught up with is compiled
   * again: the two informers are apart by milliseconds, and nothing else would wake the profile.
   */
  static final Duration STALE_BASE_RETRY = Duration.ofMillis(200);

  private static final Logger LOG = LoggerFactory.getLogger(SeccompProfileReconciler.class);

  private final String operatorNamespace;
  private final EventRecorder events;
  private final RolloutMetrics metrics;
  private final PublishedRevisions publishedRevisions = new PublishedRevisions();
  private final NodeReportIndex nodeReports = new NodeReportIndex(publishedRevisions);
  private final AgentNodes agentNodes = new AgentNodes();
  private final RunningPodReview runningPods;
  private final StatusPacing pacing = new StatusPacing();
  private final NamespaceScope scope;
  private final AuditFindingIndex auditFindings = new AuditFindingIndex(AuditFold.SECCOMP_PROFILE);
  private RenderedProfilePublisher publisher;

  public SeccompProfileReconciler(
      String operatorNamespace,
      EventRecorder events,
      RunningPodReview runningPods,
      NamespaceScope scope,
      MeterRegistry registry) {
    this.operatorNamespace = operatorNamespace;
    this.events = events;
    this.runningPods = runningPods;
    this.scope = scope;
    this.metrics = new RolloutMetrics(registry);
  }

  @Override
  public List<EventSource<?, SeccompProfile>> prepareEventSources(
      EventSourceContext<SeccompProfile> ctx) {
    publisher = new RenderedProfilePublisher(ctx.getClient(), operatorNamespace);
    List<EventSource<?, SeccompProfile>> sources =
        new ArrayList<>(
            ProfileEventSources.create(
                ctx, operatorNamespace, nodeReports, agentNodes, publishedRevisions));
    sources.add(AuditFindingSource.create(ctx, SeccompProfile.class, auditFindings));
    return sources;
  }

  @Override
  public UpdateControl<SeccompProfile> reconcile(
      SeccompProfile profile, Context<SeccompProfile> ctx) {
    ProfileInformers informers = new ProfileInformers(ctx);
    ProfileCompilation.Result compilation =
        ProfileCompilation.compile(profile, ctx.getPrimaryCache(), informers::baseVersion);
    CompiledProfile compiled = compilation.compiled();
    ProfileRef ref = ProfileCompilation.refOf(profile);
    Collection<ConfigMap> configMaps = ctx.getSecondaryResources(ConfigMap.class);
    Optional<ConfigMap> current = publisher.current(ref, ownConfigMap(ref, configMaps));
    Optional<Publication> published;
    List<FieldError> nameErrors = List.of();
    try {
      published = publish(compiled, current);
      if (compiled.ok()) {
        publisher.removeEarlierNames(ref, earlierConfigMaps(ref, configMaps));
      }
    } catch (RenderedProfilePublisher.OwnedByAnother e) {
      published = Optional.empty();
      nameErrors = List.of(new FieldError("metadata.name", e.getMessage()));
      warnOfConflict(profile, e.getMessage());
    }
    warnWhenItBecomesInvalid(profile, compiled, published.isPresent());
    SeccompProfileStatus next =
        fold(profile, informers, agentNodes.desired(), compiled, nameErrors, published, false);
    next.setAuditFindings(foldAuditFindings(profile));
    boolean selects = profile.getSpec() != null && profile.getSpec().getPodSelector() != null;
    if (selects) {
      next.setNonCompliantPods(reviewRunningPods(profile, next, informers));
    }
    if (!scopeNamespace(profile, next)) {
      return UpdateControl.<SeccompProfile>noUpdate().rescheduleAfter(NamespaceScope.RECHECK);
    }
    metrics.observe(profile, next.getPhase());
    LOG.debug(
        "{}: {} {} ({})",
        ProfileCompilation.refOf(profile),
        next.getPhase(),
        next.getInstalledOn(),
        next.getConditions().get(0).getMessage());
    Optional<Duration> held = pacing.hold(profile, next, Instant.now());
    UpdateControl<SeccompProfile> control =
        held.isPresent() ? UpdateControl.noUpdate() : patchIfChanged(profile, next);
    Optional<Duration> again =
        compilation.staleBase()
            ? Optional.of(STALE_BASE_RETRY)
            : selects ? Optional.of(runningPods.recount()) : Optional.empty();
    return soonest(held, again).map(control::rescheduleAfter).orElse(control);
  }

  /**
   * An exception out of {@link #reconcile}. A request the API server refused as invalid (made from
   * the spec, by a rule core does not check) ends in a Failed status and an Event, and is not
   * retried: the same spec gets the same answer. An unexpected error is written the same way and
   * retried a few times with back-off. An API server that could not be reached is only retried.
   */
  @Override
  public ErrorStatusUpdateControl<SeccompProfile> updateErrorStatus(
      SeccompProfile profile, Context<SeccompProfile> ctx, Exception e) {
    ReconcileErrors.Kind kind = ReconcileErrors.classify(e);
    if (kind == ReconcileErrors.Kind.TRANSIENT) {
      LOG.warn("{}: retrying: {}", ProfileCompilation.refOf(profile), ReconcileErrors.describe(e));
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    boolean rejected = kind == ReconcileErrors.Kind.REJECTED;
    ConditionReason reason = rejected ? ConditionReason.Rejected : ConditionReason.ReconcileError;
    String message =
        (rejected
                ? "the API server refused what the operator made of this spec: "
                : "the operator failed on this profile: ")
            + ReconcileErrors.describe(e)
            + (rejected
                ? ". Fix the spec; the nodes keep the last valid version"
                : ". It tries again a few times; if this stays, report it with the operator's log");
    LOG.warn("{}: {}", ProfileCompilation.refOf(profile), message, e);
    if (!ConditionReason.ofReady(
            profile.getStatus() == null ? null : profile.getStatus().getConditions())
        .equals(Optional.of(reason))) {
      events.warning(profile, reason.name(), message);
    }
    long generation =
        profile.getMetadata().getGeneration() == null ? 0 : profile.getMetadata().getGeneration();
    profile.setStatus(
        ProfileStatusFolder.failed(
            profile.getStatus(),
            generation,
            ProfileCompilation.refOf(profile).localhostProfile(),
            reason,
            message,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
    ErrorStatusUpdateControl<SeccompProfile> control =
        ErrorStatusUpdateControl.patchStatus(profile);
    return rejected ? control.withNoRetry() : control;
  }

  /**
   * Step 3b: in Audit mode, what the recorders saw this profile's file log (the calls it would have
   * refused), folded over the nodes by core's {@link AuditFold}; none in Enforce mode, where the
   * calls are refused and not logged.
   */
  private List<AuditFinding> foldAuditFindings(SeccompProfile profile) {
    boolean audit = profile.getSpec() != null && profile.getSpec().getMode() == Mode.Audit;
    return audit
        ? AuditFold.fold(auditFindings.findingsFor(ResourceID.fromResource(profile)))
        : List.of();
  }

  /**
   * Step 2: a valid profile's file goes to the nodes; an invalid one leaves them the last good
   * file.
   */
  private Optional<Publication> publish(CompiledProfile compiled, Optional<ConfigMap> current) {
    return compiled.ok()
        ? Optional.of(publisher.publish(compiled.rendered(), current))
        : RenderedProfilePublisher.published(current);
  }

  /**
   * The profile's ConfigMap under the current name scheme, among those whose annotation names the
   * profile (the event source maps ConfigMaps to profiles by that annotation).
   */
  static Optional<ConfigMap> ownConfigMap(ProfileRef ref, Collection<ConfigMap> configMaps) {
    String name = RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name());
    return configMaps.stream()
        .filter(cm -> name.equals(cm.getMetadata().getName()))
        .filter(cm -> RenderedProfileConfigMap.rendersProfile(cm, ref.namespace(), ref.name()))
        .findFirst();
  }

  /** ConfigMaps of this profile under another name: published by an earlier version. */
  static List<ConfigMap> earlierConfigMaps(ProfileRef ref, Collection<ConfigMap> configMaps) {
    String name = RenderedProfileConfigMap.nameFor(ref.namespace(), ref.name());
    return configMaps.stream()
        .filter(cm -> !name.equals(cm.getMetadata().getName()))
        .filter(cm -> RenderedProfileConfigMap.rendersProfile(cm, ref.namespace(), ref.name()))
        .toList();
  }

  /** An Event when the profile's ConfigMap name turns out to be another's (not on every retry). */
  private void warnOfConflict(SeccompProfile profile, String message) {
    boolean known =
        profile.getStatus() != null
            && profile.getStatus().getConditions() != null
            && profile.getStatus().getConditions().stream()
                .anyMatch(c -> c.getMessage() != null && c.getMessage().contains(message));
    if (!known) {
      events.warning(profile, CONFIGMAP_CONFLICT, message);
    }
  }

  /**
   * An Event when the spec turns invalid (not on every reconcile while it stays so): the status
   * says the same.
   */
  private void warnWhenItBecomesInvalid(
      SeccompProfile profile, CompiledProfile compiled, boolean nodesHaveOne) {
    Optional<ConditionReason> before =
        profile.getStatus() == null
            ? Optional.empty()
            : ConditionReason.ofReady(profile.getStatus().getConditions());
    if (!compiled.ok() && before.orElse(null) != ConditionReason.InvalidSpec) {
      events.warning(
          profile,
          ConditionReason.InvalidSpec.name(),
          compiled.errors().get(0).brief()
              + (compiled.errors().size() > 1
                  ? " (and " + (compiled.errors().size() - 1) + " more errors)"
                  : "")
              + (nodesHaveOne ? "; the nodes keep the last valid version" : "")
              + ". Fix the spec; lpo lint shows every error.");
    }
  }

  /**
   * Step 4: counts the running pods the profile selects that run without it, and restarts their
   * owners when the spec asks, the profile is installed everywhere and its namespace's pods are
   * sent to the webhook ({@link NamespaceScope#open}); a warning says why a profile that asks
   * restarts nothing.
   */
  private int reviewRunningPods(
      SeccompProfile profile, SeccompProfileStatus next, ProfileInformers informers) {
    RunningPodReview.Result review =
        runningPods.ofProfile(
            profile,
            informers.liveProfiles(profile.getMetadata().getNamespace()),
            next.getPhase() == ProfilePhase.Installed
                && scope.open(profile.getMetadata().getNamespace()));
    review.restartBlocked().ifPresent(w -> next.setWarnings(withWarning(next.getWarnings(), w)));
    return review.nonCompliant().size();
  }

  private static List<String> withWarning(List<String> warnings, String warning) {
    List<String> out = new ArrayList<>(warnings == null ? List.of() : warnings);
    out.add(warning);
    return out;
  }

  /**
   * Step 5: Installed only once the namespace carries the label the webhook configuration selects.
   * False while the label is on its way: no status is written yet. When labelling failed, the
   * status says so instead of Installed.
   */
  private boolean scopeNamespace(SeccompProfile profile, SeccompProfileStatus next) {
    if (next.getPhase() != ProfilePhase.Installed) {
      return true;
    }
    NamespaceScope.Gate gate = scope.gate(profile.getMetadata().getNamespace());
    if (gate instanceof NamespaceScope.Gate.Wait) {
      return false;
    }
    if (gate instanceof NamespaceScope.Gate.Withhold why) {
      next.setPhase(ProfilePhase.Pending);
      next.setConditions(
          List.of(
              scope.withheldReady(
                  profile,
                  why,
                  next.getConditions().get(0).getObservedGeneration(),
                  profile.getStatus() == null ? null : profile.getStatus().getConditions(),
                  Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())));
    }
    return true;
  }

  @Override
  public DeleteControl cleanup(SeccompProfile profile, Context<SeccompProfile> ctx) {
    ProfileInformers informers = new ProfileInformers(ctx);
    ProfileRef ref = ProfileCompilation.refOf(profile);
    Collection<ConfigMap> configMaps = ctx.getSecondaryResources(ConfigMap.class);
    Optional<ConfigMap> current = publisher.current(ref, ownConfigMap(ref, configMaps));
    Set<String> desired = agentNodes.desired();
    SeccompProfileStatus next =
        fold(
            profile,
            informers,
            desired,
            null,
            List.of(),
            RenderedProfilePublisher.published(current),
            true);
    boolean inUse = !next.getActiveWorkloads().isEmpty();
    Set<String> unconfirmed = Set.of();
    if (!inUse) {
      // An earlier version's ConfigMap goes first; the current one's tombstone then confirms the
      // removal on every node.
      publisher.removeEarlierNames(ref, earlierConfigMaps(ref, configMaps));
      OptionalLong tombstone = publisher.tombstone(ref, current);
      if (tombstone.isPresent()) {
        unconfirmed =
            nodeReports.notConfirmingRemoval(
                ref, tombstone.getAsLong(), informers.nodeReports(), desired);
      }
    }
    boolean stillOnNodes = !unconfirmed.isEmpty();
    ProfileDeletion.Stage stage =
        ProfileDeletion.stage(
            inUse,
            stillOnNodes,
            Instant.parse(profile.getMetadata().getDeletionTimestamp()),
            Instant.now());
    switch (stage) {
      case WAIT_FOR_PODS -> {
        warnInUse(profile, next);
        writeStatus(profile, next, ctx);
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(ProfileDeletion.IN_USE_RECHECK);
      }
      case WAIT_FOR_NODES -> {
        writeStatus(profile, next, ctx);
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(ProfileDeletion.REMOVAL_RECHECK);
      }
      default -> {
        if (ProfileDeletion.gaveUpOnNodes(stage, stillOnNodes)) {
          events.warning(
              profile,
              "NodesDidNotConfirm",
              unconfirmed.size()
                  + " nodes did not confirm removing "
                  + ref.localhostProfile()
                  + " within "
                  + ProfileDeletion.REMOVAL_GRACE.toSeconds()
                  + "s (first: "
                  + unconfirmed.stream().sorted().limit(5).toList()
                  + "); their agents remove it when they next sync");
        }
        publisher.unpublish(ref, publisher.current(ref, current));
        metrics.forget(profile);
        pacing.forget(profile);
        LOG.info("{} removed from the nodes", ref);
        return DeleteControl.defaultDelete();
      }
    }
  }

  /** An InUse Event when a deletion starts waiting for pods, or the pods it waits for change. */
  private void warnInUse(SeccompProfile profile, SeccompProfileStatus next) {
    SeccompProfileStatus before = profile.getStatus();
    boolean news =
        before == null
            || before.getPhase() != ProfilePhase.Terminating
            || !next.getActiveWorkloads().equals(before.getActiveWorkloads());
    if (news) {
      events.warning(
          profile,
          ConditionReason.InUse.name(),
          "not removed from the nodes while "
              + next.getActiveWorkloads().size()
              + " pods use it: "
              + String.join(", ", next.getActiveWorkloads())
              + ". Delete or update those pods; the profile goes once they are gone.");
    }
  }

  /**
   * Step 3: what the informers say about the profile, folded into a status by core. The desired
   * nodes are those where the agent runs ({@link AgentNodes}).
   */
  private SeccompProfileStatus fold(
      SeccompProfile profile,
      ProfileInformers informers,
      Set<String> desiredNodes,
      CompiledProfile compiled,
      List<FieldError> nameErrors,
      Optional<Publication> published,
      boolean deleting) {
    ProfileRef ref = ProfileCompilation.refOf(profile);
    long generation =
        profile.getMetadata().getGeneration() == null ? 0 : profile.getMetadata().getGeneration();
    return ProfileStatusFolder.fold(
        new ProfileStatusFolder.Input(
            generation,
            errors(compiled, nameErrors),
            compiled == null ? List.of() : compiled.warnings(),
            ref.localhostProfile(),
            published.map(Publication::contentHash).orElse(null),
            desiredNodes,
            published
                .map(p -> nodeReports.reportsFor(ref, p, informers.nodeReports()))
                .orElse(Map.of()),
            informers.usingPods(),
            deleting,
            profile.getStatus(),
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
  }

  private static List<FieldError> errors(CompiledProfile compiled, List<FieldError> nameErrors) {
    List<FieldError> all = new ArrayList<>(compiled == null ? List.of() : compiled.errors());
    all.addAll(nameErrors);
    return all;
  }

  private static Optional<Duration> soonest(Optional<Duration> a, Optional<Duration> b) {
    return a.isEmpty()
        ? b
        : b.isEmpty() ? a : Optional.of(a.get().compareTo(b.get()) < 0 ? a.get() : b.get());
  }

  /** Step 6: only when it changed, paced by {@link StatusPacing}. */
  private static UpdateControl<SeccompProfile> patchIfChanged(
      SeccompProfile profile, SeccompProfileStatus next) {
    if (StatusDiff.same(profile.getStatus(), next)) {
      return UpdateControl.noUpdate();
    }
    profile.setStatus(next);
    return UpdateControl.patchStatus(profile);
  }

  /**
   * During deletion the status is written here, by the same reconciler, since a DeleteControl
   * cannot carry it.
   */
  private static void writeStatus(
      SeccompProfile profile, SeccompProfileStatus next, Context<SeccompProfile> ctx) {
    if (next.getPhase() == ProfilePhase.Terminating
        && !StatusDiff.same(profile.getStatus(), next)) {
      profile.setStatus(next);
      ctx.getClient().resource(profile).patchStatus();
    }
  }
}
