package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.ProducedObject;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.support.ReconcileErrors;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.record.RecordingBase;
import dev.leastprivilege.core.record.RecordingEnd;
import dev.leastprivilege.core.record.RecordingFold;
import dev.leastprivilege.core.record.RecordingResults;
import dev.leastprivilege.core.record.RecordingRules;
import dev.leastprivilege.core.status.Conditions;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ProfileRecording → recording profile → results, as a short pipeline:
 *
 * <ol>
 *   <li>validate with core ({@link RecordingRules}; the base with {@link RecordingBase});
 *   <li>opt-in: the namespace must carry {@code leastprivilege.dev/recording=allowed}, else Failed
 *       ({@link ConditionReason#RecordingNotAllowed});
 *   <li>the recording profile ({@link RecordingProfile}): Pending until it is installed on every
 *       node, then Recording;
 *   <li>fold the nodes' recorder reports into the status with core's {@link RecordingFold};
 *   <li>the end ({@link RecordingEnd}: spec.stop, or every recorded pod gone): write the results
 *       ({@link RecordingResultWriter}), list them, Completed, delete the recording profile;
 *   <li>patch the status only when it changed; an Event for each change of phase or reason ({@link
 *       RecordingStatusWriter}).
 * </ol>
 *
 * A Completed recording is final: changing its spec records nothing more (create a new one). This
 * reconciler is the only writer of ProfileRecording status, of recording profiles and of results.
 */
@ControllerConfiguration(
    name = ProfileRecordingReconciler.NAME,
    informer =
        @Informer(
            informerListLimit = OperatorSettings.LIST_PAGE,
            itemStore = WithoutManagedFields.class))
public final class ProfileRecordingReconciler implements Reconciler<ProfileRecording> {
  public static final String NAME = "profilerecording";

  /** How often a running recording is looked at even when nothing woke it. */
  static final Duration RECHECK = Duration.ofSeconds(60);

  /** How soon a recording whose result name is taken tries again. */
  static final Duration NAME_TAKEN_RETRY = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(ProfileRecordingReconciler.class);

  private final EventRecorder events;
  private final RecordingStatusWriter statusWriter;
  private RecordingProfile recordingProfile;
  private RecordingResultWriter results;

  /**
   * Bases are read from the API server, not cached: only when a generation is new or the results
   * are due, so the operator keeps no second cache of every profile for a few recordings.
   */
  private ProfileLookup bases;

  public ProfileRecordingReconciler(EventRecorder events) {
    this.events = events;
    this.statusWriter = new RecordingStatusWriter(events);
  }

  @Override
  public List<EventSource<?, ProfileRecording>> prepareEventSources(
      EventSourceContext<ProfileRecording> ctx) {
    recordingProfile = new RecordingProfile(ctx.getClient());
    results = new RecordingResultWriter(ctx.getClient());
    bases =
        (ns, n) ->
            Optional.ofNullable(
                    ctx.getClient()
                        .resources(SeccompProfile.class)
                        .inNamespace(ns)
                        .withName(n)
                        .get())
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .map(SeccompProfile::getSpec);
    return RecordingEventSources.create(ctx);
  }

  /** The next status, built step by step. */
  private static final class Next {
    final ProfileRecordingStatus status = new ProfileRecordingStatus();
    ConditionReason reason;
    String message;
    Optional<Duration> again = Optional.of(RECHECK);

    Next phase(RecordingPhase phase, ConditionReason reason, String message) {
      status.setPhase(phase);
      this.reason = reason;
      this.message = message;
      return this;
    }
  }

  @Override
  public UpdateControl<ProfileRecording> reconcile(
      ProfileRecording rec, Context<ProfileRecording> ctx) {
    RecordingInformers informers = new RecordingInformers(ctx);
    ProfileRecordingStatus before = rec.getStatus();
    if (before != null && before.getPhase() == RecordingPhase.Completed) {
      // Final. The recording profile may outlive a failed delete: it goes now.
      recordingProfile.delete(rec, informers.recordingProfile(rec));
      return UpdateControl.noUpdate();
    }
    Next next = new Next();
    RecordingFold.Folded folded = foldReports(rec, informers, next);
    step(rec, informers, folded, next);
    return write(rec, next);
  }

  /** Steps 1 to 3 and 5: the phase, and the results when it ends. */
  private void step(
      ProfileRecording rec, RecordingInformers informers, RecordingFold.Folded folded, Next next) {
    String name = rec.getMetadata().getName();
    String ns = rec.getMetadata().getNamespace();
    List<FieldError> errors = new ArrayList<>(RecordingRules.validate(name, rec.getSpec()));
    if (errors.isEmpty() && !observed(rec)) {
      errors.addAll(resolveBase(rec, bases).errors());
    }
    if (!errors.isEmpty()) {
      fail(rec, informers, next, ConditionReason.InvalidSpec, FieldError.summary(errors));
      return;
    }
    if (!informers.optedIn(ns)) {
      fail(rec, informers, next, ConditionReason.RecordingNotAllowed, notAllowed(ns));
      return;
    }
    Set<RecordingKind> kinds = RecordingRules.kindsOf(rec.getSpec());
    String base = RecordingRules.baseOf(rec.getSpec());
    Optional<SeccompProfile> current = informers.recordingProfile(rec);
    RecordingProfile.State state =
        kinds.contains(RecordingKind.Seccomp)
            ? recordingProfile.ensure(rec, current, base)
            : new RecordingProfile.State.Installed();
    if (state instanceof RecordingProfile.State.Conflict c) {
      next.phase(RecordingPhase.Failed, ConditionReason.RecordingProfileConflict, c.message());
      return;
    }
    boolean wasRecording =
        rec.getStatus() != null && rec.getStatus().getPhase() == RecordingPhase.Recording;
    boolean recording = wasRecording || state instanceof RecordingProfile.State.Installed;
    Instant now = Instant.now();
    RecordingInformers.LivePods live = informers.livePods(rec, now);
    Optional<RecordingEnd.Why> end =
        RecordingEnd.ended(rec.getSpec(), folded.recordedPods(), live.count());
    // No event comes when a finished pod has settled: look again then.
    live.lastSettles()
        .map(at -> Duration.between(now, at).plusSeconds(1))
        .filter(d -> d.compareTo(RECHECK) < 0)
        .ifPresent(d -> next.again = Optional.of(d));
    if (end.isPresent()) {
      finish(rec, informers, current, kinds, folded, end.get(), next);
    } else if (recording) {
      next.phase(
          RecordingPhase.Recording,
          ConditionReason.Recording,
          "recording the pods spec.podSelector selects"
              + (kinds.contains(RecordingKind.Seccomp)
                  ? " that are created from now on, with " + RecordingProfile.nameOf(rec)
                  : "")
              + "; set spec.stop to true to end it and produce the results");
    } else {
      String why = ((RecordingProfile.State.NotYet) state).why();
      next.phase(
          RecordingPhase.Pending,
          ConditionReason.WaitingForRecordingProfile,
          "waiting until the recording profile "
              + RecordingProfile.nameOf(rec)
              + " is installed on every node ("
              + why
              + ")");
    }
  }

  /** Step 2's message: what the administrator must do. */
  static String notAllowed(String ns) {
    String label = ApiNames.RECORDING_ALLOWED_LABEL + "=" + ApiNames.RECORDING_ALLOWED;
    return "namespace "
        + ns
        + " does not allow recording: a cluster administrator must label it "
        + label
        + " (kubectl label namespace "
        + ns
        + " "
        + label
        + "); the recording starts once it is there";
  }

  /** Step 5: the results, written once; then the recording profile goes. */
  private void finish(
      ProfileRecording rec,
      RecordingInformers informers,
      Optional<SeccompProfile> current,
      Set<RecordingKind> kinds,
      RecordingFold.Folded folded,
      RecordingEnd.Why why,
      Next next) {
    RecordingBase.Result base = resolveBase(rec, bases);
    if (!base.ok()) {
      fail(rec, informers, next, ConditionReason.InvalidSpec, FieldError.summary(base.errors()));
      return;
    }
    List<RecordingResults.Result> produced =
        RecordingResults.of(
            rec.getMetadata().getName(),
            kinds,
            base.effective(),
            RecordingRules.resultActionOf(rec.getSpec()),
            next.status.getContainers());
    Optional<String> taken = results.conflict(rec, produced);
    if (taken.isPresent()) {
      next.phase(RecordingPhase.Failed, ConditionReason.ResultNameTaken, taken.get());
      next.again = Optional.of(NAME_TAKEN_RETRY);
      return;
    }
    List<ProducedObject> written = results.write(rec, produced);
    next.status.setResults(written);
    String objects =
        written.isEmpty()
            ? "nothing was recorded, so nothing was produced"
            : "produced "
                + written.stream()
                    .map(o -> o.getKind() + " " + o.getName())
                    .collect(Collectors.joining(", "))
                + "; they select no pod: review them, commit them to Git, then add a podSelector";
    String lost =
        folded.lostRecords() > 0
            ? ". " + folded.lostRecords() + " kernel records were lost: the results may miss calls"
            : "";
    next.phase(
        RecordingPhase.Completed,
        ConditionReason.Completed,
        "ended (" + why.text() + "): " + objects + lost);
    next.again = Optional.empty();
    recordingProfile.delete(rec, current);
    LOG.info("{}/{}: {}", rec.getMetadata().getNamespace(), rec.getMetadata().getName(), objects);
  }

  /** A failure ends recording for now: the recording profile goes; what was recorded stays. */
  private void fail(
      ProfileRecording rec,
      RecordingInformers informers,
      Next next,
      ConditionReason reason,
      String message) {
    next.phase(RecordingPhase.Failed, reason, message);
    recordingProfile.delete(rec, informers.recordingProfile(rec));
  }

  /** Step 4: what the nodes recorded, merged with what the status already holds. */
  private static RecordingFold.Folded foldReports(
      ProfileRecording rec, RecordingInformers informers, Next next) {
    RecordingFold.Folded folded =
        RecordingFold.fold(
            new RecordingFold.Input(
                rec.getMetadata().getNamespace(),
                rec.getMetadata().getName(),
                rec.getSpec() == null ? List.of() : rec.getSpec().getContainerNames(),
                RecordingRules.kindsOf(rec.getSpec()),
                informers.nodeReports(),
                rec.getStatus()));
    ProfileRecordingStatus s = next.status;
    s.setObservedGeneration(generation(rec));
    s.setRecordedPods(folded.recordedPods());
    s.setContainers(folded.containers());
    s.setLostRecords(folded.lostRecords());
    s.setUnattributedRecords(folded.unattributedRecords());
    s.setWarnings(folded.warnings());
    s.setResults(
        rec.getStatus() == null || rec.getStatus().getResults() == null
            ? new ArrayList<>()
            : rec.getStatus().getResults());
    return folded;
  }

  /** Step 6, by the status writer; then when to look again. */
  private UpdateControl<ProfileRecording> write(ProfileRecording rec, Next next) {
    UpdateControl<ProfileRecording> control =
        statusWriter.write(rec, next.status, next.reason, next.message);
    return next.again.map(control::rescheduleAfter).orElse(control);
  }

  /**
   * An exception out of {@link #reconcile}: a request the API server refused ends in Failed and an
   * Event, not retried; an unexpected error is written the same way and retried a few times; an API
   * server that could not be reached is only retried.
   */
  @Override
  public ErrorStatusUpdateControl<ProfileRecording> updateErrorStatus(
      ProfileRecording rec, Context<ProfileRecording> ctx, Exception e) {
    ReconcileErrors.Kind kind = ReconcileErrors.classify(e);
    String id = rec.getMetadata().getNamespace() + "/" + rec.getMetadata().getName();
    if (kind == ReconcileErrors.Kind.TRANSIENT) {
      LOG.warn("{}: retrying: {}", id, ReconcileErrors.describe(e));
      return ErrorStatusUpdateControl.defaultErrorProcessing();
    }
    boolean rejected = kind == ReconcileErrors.Kind.REJECTED;
    ConditionReason reason = rejected ? ConditionReason.Rejected : ConditionReason.ReconcileError;
    String message =
        (rejected
                ? "the API server refused what the operator made of this recording: "
                : "the operator failed on this recording: ")
            + ReconcileErrors.describe(e)
            + (rejected
                ? ". Fix the spec"
                : ". It tries again a few times; if this stays, report it with the operator's log");
    LOG.warn("{}: {}", id, message, e);
    ProfileRecordingStatus before = rec.getStatus();
    if (!ConditionReason.ofReady(before == null ? null : before.getConditions())
        .equals(Optional.of(reason))) {
      events.warning(rec, reason.name(), message);
    }
    ProfileRecordingStatus next = before == null ? new ProfileRecordingStatus() : before;
    next.setObservedGeneration(generation(rec));
    next.setPhase(RecordingPhase.Failed);
    next.setConditions(
        List.of(
            Conditions.ready(
                false,
                reason,
                message,
                generation(rec),
                before == null ? null : before.getConditions(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())));
    rec.setStatus(next);
    ErrorStatusUpdateControl<ProfileRecording> control = ErrorStatusUpdateControl.patchStatus(rec);
    return rejected ? control.withNoRetry() : control;
  }

  private static RecordingBase.Result resolveBase(ProfileRecording rec, ProfileLookup lookup) {
    return RecordingBase.resolve(
        rec.getMetadata().getNamespace(),
        rec.getMetadata().getName(),
        RecordingRules.baseOf(rec.getSpec()),
        lookup);
  }

  /** The status already describes this generation: its base was checked then. */
  private static boolean observed(ProfileRecording rec) {
    return rec.getStatus() != null
        && rec.getStatus().getObservedGeneration() != null
        && rec.getStatus().getObservedGeneration() == generation(rec)
        && rec.getStatus().getPhase() != RecordingPhase.Failed;
  }

  private static long generation(ProfileRecording rec) {
    return rec.getMetadata().getGeneration() == null ? 0 : rec.getMetadata().getGeneration();
  }
}
