package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
import dev.leastprivilege.api.v1alpha1.RecordingKind;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.profile.BuiltinProfiles;
import dev.leastprivilege.core.profile.Names;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A ProfileRecording's defaults and the rules its spec must keep, for the operator. */
public final class RecordingRules {
  /** The base when the spec names none: what runc needs to start any container. */
  public static final String DEFAULT_BASE =
      ApiNames.BUILTIN_PREFIX + BuiltinProfiles.RUNTIME_BASELINE;

  /** The produced profiles' defaultAction when the spec names none. */
  public static final SeccompAction DEFAULT_RESULT_ACTION = SeccompAction.SCMP_ACT_ERRNO;

  /**
   * Default actions that would let a produced allow-list permit what was not recorded: refused, the
   * result must refuse what the recording did not see.
   */
  static final Set<SeccompAction> PERMISSIVE =
      EnumSet.of(SeccompAction.SCMP_ACT_ALLOW, SeccompAction.SCMP_ACT_LOG);

  private RecordingRules() {}

  public static String baseOf(ProfileRecordingSpec spec) {
    String base = spec == null ? null : spec.getBaseProfileName();
    return base == null || base.isEmpty() ? DEFAULT_BASE : base;
  }

  public static SeccompAction resultActionOf(ProfileRecordingSpec spec) {
    SeccompAction a = spec == null ? null : spec.getResultDefaultAction();
    return a == null ? DEFAULT_RESULT_ACTION : a;
  }

  /** What the spec records; an empty list means both. */
  public static Set<RecordingKind> kindsOf(ProfileRecordingSpec spec) {
    List<RecordingKind> record = spec == null ? null : spec.getRecord();
    return record == null || record.isEmpty()
        ? EnumSet.allOf(RecordingKind.class)
        : EnumSet.copyOf(record);
  }

  public static boolean stopRequested(ProfileRecordingSpec spec) {
    return spec != null && Boolean.TRUE.equals(spec.getStop());
  }

  /**
   * The rules the CRD schema cannot say: the name is a DNS label (so that "<name>.recording" and
   * "<name>-<container>" are valid names), the produced profiles refuse by default. The base is
   * checked when it is resolved ({@link RecordingBase}).
   */
  public static List<FieldError> validate(String name, ProfileRecordingSpec spec) {
    List<FieldError> errors = new ArrayList<>();
    if (!Names.isLabel(name)) {
      errors.add(
          new FieldError(
              "metadata.name",
              "\""
                  + name
                  + "\" must be a DNS label of at most "
                  + ProfileRecording.MAX_NAME_LENGTH
                  + " characters (lower-case letters, digits and '-'), so that the objects it"
                  + " produces can be named after it"));
    }
    if (spec == null || spec.getPodSelector() == null) {
      errors.add(new FieldError("spec.podSelector", "required: which pods to record"));
      return errors;
    }
    Names.checkContainerNames(spec.getContainerNames(), "spec.containerNames", errors);
    if (spec.getRecord() != null && spec.getRecord().contains(null)) {
      errors.add(new FieldError("spec.record", "use Seccomp, Capabilities, or both"));
    }
    if (PERMISSIVE.contains(resultActionOf(spec))) {
      errors.add(
          new FieldError(
              "spec.resultDefaultAction",
              resultActionOf(spec)
                  + " would let the produced profile allow every call the recording did not see;"
                  + " use SCMP_ACT_ERRNO (the default), SCMP_ACT_KILL_PROCESS or another refusing"
                  + " action"));
    }
    return errors;
  }
}
