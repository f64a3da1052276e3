package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a recording ends: the spec says stop, or every pod it recorded is gone, once it recorded at
 * least one (a recording whose pods have not started yet keeps waiting for them).
 */
public final class RecordingEnd {
  /** Why it ended, as the status and the Event say it. */
  public enum Why {
    STOPPED("spec.stop is true"),
    PODS_GONE("every recorded pod is gone");

    private final String text;

    Why(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  /**
   * How long a finished pod still counts as live: its last records reach the status only with its
   * node's next report (the recorder writes at most every 10 s by default), so a recording that
   * ended when its last pod finished would miss what the pod did last (its whole run, for a pod
   * running {@code ls /}).
   */
  public static final Duration SETTLE = Duration.ofSeconds(30);

  private RecordingEnd() {}

  /** Whether a pod that finished at {@code finished} still counts as live at {@code now}. */
  public static boolean settling(Instant finished, Instant now) {
    return now.isBefore(finished.plus(SETTLE));
  }

  /**
   * @param everRecorded how many pods the recording has recorded so far (status.recordedPods)
   * @param live how many pods of the recording still exist and run, or finished less than {@link
   *     #SETTLE} ago (pods carry the recording's annotation from admission to deletion)
   */
  public static Optional<Why> ended(ProfileRecordingSpec spec, int everRecorded, int live) {
    if (RecordingRules.stopRequested(spec)) {
      return Optional.of(Why.STOPPED);
    }
    return everRecorded > 0 && live == 0 ? Optional.of(Why.PODS_GONE) : Optional.empty();
  }
}
