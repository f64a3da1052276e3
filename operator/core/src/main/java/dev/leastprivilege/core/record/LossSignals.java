package dev.leastprivilege.core.record;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's and the audit daemon's words for "records were lost". A recording that misses them
 * produces a short profile silently; with them it says so. The texts come from the kernel sources
 * (kernel/audit.c, lib/ratelimit.c) and were seen on a 6.18 kernel:
 *
 * <ul>
 *   <li>{@code kauditd_printk_skb: 68 callbacks suppressed}: with no audit daemon, kauditd prints
 *       each record with printk_ratelimit() (kernel.printk_ratelimit, printk_ratelimit_burst); each
 *       suppressed callback is one record that never reached the kernel log. Kernels before 4.11
 *       named the function audit_printk_skb.
 *   <li>{@code audit: audit_lost=12 audit_rate_limit=0 audit_backlog_limit=64}: audit_log_lost(),
 *       the kernel's running total of records lost since boot (backlog full, rate limit, out of
 *       memory). A total, not a count for this line: see {@link #kind}.
 *   <li>{@code audit: backlog limit exceeded}, {@code audit: rate limit exceeded}, {@code audit:
 *       kauditd hold queue overflow}, {@code audit: kauditd retry queue overflow}, {@code audit:
 *       out of memory in audit_log_start}: audit_panic() printing the reason of one loss (with the
 *       default audit failure mode, printk).
 *   <li>{@code audit_log_lost: 3 callbacks suppressed}: reports of losses themselves suppressed, at
 *       least one lost record each.
 *   <li>With an audit daemon the records go to audit.log, but the kernel still writes these loss
 *       lines to the kernel log: a reader of audit.log watches the kernel log for losses too.
 * </ul>
 */
public final class LossSignals {
  /** How a loss line counts. */
  public enum Kind {
    /** The line counts records lost since the previous signal: add them up. */
    INCREMENT,
    /**
     * The line gives the kernel's total since boot: the loss during a recording is the difference
     * between the last and the first total seen (or the total, when it is the first seen).
     */
    TOTAL
  }

  /** One loss signal. */
  public record Loss(Kind kind, long count) {}

  private static final Pattern SUPPRESSED =
      Pattern.compile(
          "\\b(kauditd_printk_skb|audit_printk_skb|audit_log_lost): (\\d+) callbacks suppressed");
  private static final Pattern TOTAL =
      Pattern.compile("\\baudit: audit_lost=(\\d+) audit_rate_limit=");
  private static final Pattern REASON =
      Pattern.compile(
          "\\baudit: (backlog limit exceeded|rate limit exceeded|kauditd hold queue overflow"
              + "|kauditd retry queue overflow|out of memory in audit_\\w+)\\s*$");

  private LossSignals() {}

  /**
   * How many records this kernel-log or audit-log line says were lost or suppressed; empty when the
   * line says nothing of losses. For the kernel's running total ({@code audit_lost=N}) this is N:
   * use {@link #parse} to tell totals from increments.
   */
  public static OptionalLong lost(String line) {
    return parse(line).map(l -> OptionalLong.of(l.count())).orElse(OptionalLong.empty());
  }

  /** The loss a line reports, with how it counts. */
  public static java.util.Optional<Loss> parse(String line) {
    if (line == null) {
      return java.util.Optional.empty();
    }
    Matcher m = SUPPRESSED.matcher(line);
    if (m.find()) {
      return java.util.Optional.of(new Loss(Kind.INCREMENT, Long.parseLong(m.group(2))));
    }
    m = TOTAL.matcher(line);
    if (m.find()) {
      return java.util.Optional.of(new Loss(Kind.TOTAL, Long.parseLong(m.group(1))));
    }
    if (REASON.matcher(line).find()) {
      return java.util.Optional.of(new Loss(Kind.INCREMENT, 1));
    }
    return java.util.Optional.empty();
  }
}
