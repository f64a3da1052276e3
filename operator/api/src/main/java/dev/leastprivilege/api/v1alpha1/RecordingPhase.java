package dev.leastprivilege.api.v1alpha1;

/**
 * Where a recording is: Pending until its recording profile is installed on every node, Recording
 * while pods are recorded, Completed once the results are written, Failed when it cannot record.
 */
public enum RecordingPhase {
  Pending,
  Recording,
  Completed,
  Failed
}
