package dev.leastprivilege.api.v1alpha1;

/** Where a profile is on its way to the nodes. */
public enum ProfilePhase {
  Pending,
  Installing,
  Installed,
  Partial,
  Failed,
  Terminating
}
