package dev.leastprivilege.api.v1alpha1;

/** What a ProfileRecording records. */
public enum RecordingKind {
  Seccomp,
  Capabilities
}
