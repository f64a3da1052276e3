package dev.leastprivilege.api.v1alpha1;

/** Enforce refuses; Audit only logs or warns, so a team can watch before it blocks. */
public enum Mode {
  Enforce,
  Audit
}
