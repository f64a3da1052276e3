package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LossSignalsTest {
  @Test
  void countsPrintkSuppressionAsCapturedOnThisKernel() {
    // Captured from /dev/kmsg and dmesg on 6.18 with kernel.printk_ratelimit=5, burst 10.
    assertEquals(
        OptionalLong.of(67),
        LossSignals.lost("4,24160,29856629088,-;kauditd_printk_skb: 67 callbacks suppressed"));
    assertEquals(
        OptionalLong.of(68),
        LossSignals.lost("[29841.729511] kauditd_printk_skb: 68 callbacks suppressed"));
    // Kernels before 4.11 named the printing function audit_printk_skb.
    assertEquals(
        OptionalLong.of(3),
        LossSignals.lost("[  12.000000] audit_printk_skb: 3 callbacks suppressed"));
  }

  @Test
  void tellsTheKernelsRunningTotalFromIncrements() {
    // kernel/audit.c audit_log_lost(): pr_warn("audit_lost=%u audit_rate_limit=%u
    // audit_backlog_limit=%u\n"), pr_fmt "audit: ".
    String total = "4,300,1000,-;audit: audit_lost=12 audit_rate_limit=0 audit_backlog_limit=64";
    assertEquals(OptionalLong.of(12), LossSignals.lost(total));
    assertEquals(
        new LossSignals.Loss(LossSignals.Kind.TOTAL, 12), LossSignals.parse(total).orElseThrow());
    assertEquals(
        LossSignals.Kind.INCREMENT,
        LossSignals.parse("kauditd_printk_skb: 1 callbacks suppressed").orElseThrow().kind());
  }

  @Test
  void countsEachReasonTheKernelPrintsAsOneLoss() {
    // kernel/audit.c audit_panic(message) with the default failure mode prints pr_err("%s\n").
    for (String reason :
        new String[] {
          "backlog limit exceeded",
          "rate limit exceeded",
          "kauditd hold queue overflow",
          "kauditd retry queue overflow",
          "out of memory in audit_log_start"
        }) {
      assertEquals(OptionalLong.of(1), LossSignals.lost("[ 1.0] audit: " + reason), reason);
    }
  }

  @Test
  void saysNothingOfOtherLines() {
    assertTrue(LossSignals.lost(SeccompRecordParserTest.KMSG_CHOWN).isEmpty());
    assertTrue(
        LossSignals.lost(
                "6,24061,29401348273,-;lpo-e2e0: port 2(vetha2547fa9) entered disabled state")
            .isEmpty());
    assertTrue(LossSignals.lost("[ 5.1] net_ratelimit: 4 callbacks suppressed").isEmpty());
    assertTrue(LossSignals.lost(null).isEmpty());
  }
}
