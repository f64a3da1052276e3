package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.ProfileRecordingSpec;
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

  private RecordingEnd() {}

  /**
   * @param everRecorded how many pods the recording has recorded so far (status.recordedPods)
   * @param live how many pods of the recording still exist (pods carry the recording's annotation
   *     from admission to deletion, recorded or not yet)
   */
  public static Optional<Why> ended(ProfileRecordingSpec spec, int everRecorded, int live) {
    if (RecordingRules.stopRequested(spec)) {
      return Optional.of(Why.STOPPED);
    }
    return everRecorded > 0 && live == 0 ? Optional.of(Why.PODS_GONE) : Optional.empty();
  }
}
