package dev.leastprivilege.core.convert.spo;

import dev.leastprivilege.core.ProfileRef;
import java.util.List;
import java.util.Map;

/**
 * One object of ours made from SPO objects.
 *
 * @param kind SeccompProfile or ProfileRecording
 * @param spec a {@code SeccompProfileSpec} or a {@code ProfileRecordingSpec}
 * @param source the SPO object it was made from, e.g. "SeccompProfile high-risk" or
 *     "ProfileRecording app/rec"
 * @param notes what a reader of the file should know: written as comments above it
 */
public record SpoMigrated(
    String kind,
    ProfileRef ref,
    Map<String, String> labels,
    Map<String, String> annotations,
    Object spec,
    String source,
    List<String> notes) {}
