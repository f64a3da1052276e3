package dev.leastprivilege.core.profile;

import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.render.RenderedProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * The most a rendered profile (the file every node gets) may hold. Every agent keeps a page of
 * rendered-profile ConfigMaps in its heap at once (the chart gives it 64 MiB), and every node
 * writes every profile, so one tenant's huge profiles would cost every node. The figures, and how
 * they were chosen, are in docs/concepts.md#limits and docs/performance.md:
 *
 * <ul>
 *   <li>a ConfigMap holds at most 1 MiB; a page of 100 profiles at this limit is 12.5 MiB, and the
 *       agent with the chart's 64 MiB heap was measured installing pages of them;
 *   <li>Docker's default profile renders to 10 KiB in 7 rules: the limits leave more than ten times
 *       that;
 *   <li>the kernel loaded filters of far more argument rules than this (runc, libseccomp 2.5), so
 *       the limits, not the kernel, decide.
 * </ul>
 *
 * A profile over a limit is invalid, like any other error: no file is rendered, the nodes keep the
 * last valid one, and {@code lpo lint} reports it.
 */
public final class ProfileLimits {
  /**
   * The largest rendered file, in bytes: 32 KiB. Measured: the agent with the chart's 64 MiB heap
   * ran out of heap listing pages of 100 profiles of 128 KiB, and installs pages of 32 KiB ones.
   */
  public static final int MAX_RENDERED_BYTES = 32 * 1024;

  /**
   * The most rules in the rendered file (after base profiles are merged and rules with the same
   * action and arguments are joined).
   */
  public static final int MAX_RENDERED_RULES = 200;

  /** Where a limit error points: the rules, which are what makes a profile big. */
  static final String FIELD = "spec.syscalls";

  private ProfileLimits() {}

  /**
   * The limits {@code rendered} breaks; {@code withBases} says whether base profiles contributed,
   * so the message says where the rules come from.
   */
  public static List<FieldError> check(RenderedProfile rendered, int rules, boolean withBases) {
    List<FieldError> errors = new ArrayList<>();
    String whole = withBases ? " with its base profiles" : "";
    if (rules > MAX_RENDERED_RULES) {
      errors.add(
          new FieldError(
              FIELD,
              "the profile"
                  + whole
                  + " renders to "
                  + rules
                  + " rules; at most "
                  + MAX_RENDERED_RULES
                  + " are allowed. Join system calls with the same action and arguments into one"
                  + " rule, or split the workload's profile"));
    }
    if (rendered.json().length > MAX_RENDERED_BYTES) {
      errors.add(
          new FieldError(
              FIELD,
              "the profile"
                  + whole
                  + " renders to "
                  + rendered.json().length
                  + " bytes; at most "
                  + MAX_RENDERED_BYTES
                  + " ("
                  + MAX_RENDERED_BYTES / 1024
                  + " KiB) are allowed, because every node's agent holds pages of"
                  + " profiles in memory"));
    }
    return errors;
  }
}
