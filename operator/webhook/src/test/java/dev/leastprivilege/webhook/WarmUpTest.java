package dev.leastprivilege.webhook;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.admission.MutationPlanner;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WarmUpTest {
  @Test
  void everySyntheticReviewIsAnsweredAndTheWarmUpEnds() {
    try (WarmUp warmUp =
        WarmUp.start(
            // The chart's bound: on a busy machine the JIT may not settle before it, which ends the
            // warm-up anyway; setting up (a certificate, the first handshakes) alone took over 5 s
            // on a 2-core machine at a load average of 30.
            new WarmUpSettings(Duration.ofSeconds(20)),
            new MutationPlanner("lpo-system"),
            WebhookServer.Limits.DEFAULT)) {
      assertFalse(warmUp.done());
      await().atMost(Duration.ofSeconds(30)).until(warmUp::done);
      WarmUp.Result r = warmUp.result();
      // Every shape is a valid AdmissionReview the handler answers with 200 (refusals included).
      assertEquals(0, r.failed(), r.describe());
      assertTrue(r.reviews() >= SyntheticReviews.bodies().size(), r.describe());
      assertTrue(
          r.why().equals("the JIT settled") || r.why().equals("the bound of 20 s"), r.describe());
      assertTrue(warmUp.allowsReady(), r.describe());
    }
  }

  @Test
  void aHandlerAnswering5xxKeepsTheWebhookNotReady() {
    try (WarmUp warmUp =
        WarmUp.start(
            new WarmUpSettings(Duration.ofSeconds(20)),
            exchange -> {
              try (exchange) {
                exchange.sendResponseHeaders(500, -1);
              }
            },
            WebhookServer.Limits.DEFAULT)) {
      await().atMost(Duration.ofSeconds(30)).until(warmUp::done);
      WarmUp.Result r = warmUp.result();
      assertFalse(warmUp.allowsReady(), r.describe());
      assertTrue(r.brokenPath().contains("answered with 500"), r.describe());
      assertTrue(r.failed() > 0, r.describe());
      // It stops at the first broken answer, not at the bound.
      assertEquals("the admission path broke", r.why(), r.describe());
    }
  }

  @Test
  void aHandlerThrowingAnErrorKeepsTheWebhookNotReady() {
    try (WarmUp warmUp =
        WarmUp.start(
            new WarmUpSettings(Duration.ofSeconds(20)),
            exchange -> {
              throw new NoClassDefFoundError("dev/leastprivilege/core/Missing");
            },
            WebhookServer.Limits.DEFAULT)) {
      await().atMost(Duration.ofSeconds(30)).until(warmUp::done);
      WarmUp.Result r = warmUp.result();
      assertFalse(warmUp.allowsReady(), r.describe());
      assertTrue(r.brokenPath().contains("NoClassDefFoundError"), r.describe());
    }
  }

  @Test
  void aWarmUpThatCannotRunDoesNotHoldReadinessBack() {
    // No limits for its server: the warm-up fails before any review is sent, as when it cannot
    // bind its port; the admission path itself is not in question.
    try (WarmUp warmUp =
        WarmUp.start(
            new WarmUpSettings(Duration.ofSeconds(20)), new MutationPlanner("lpo-system"), null)) {
      await().atMost(Duration.ofSeconds(30)).until(warmUp::done);
      WarmUp.Result r = warmUp.result();
      assertTrue(warmUp.allowsReady(), r.describe());
      assertTrue(r.why().startsWith("it could not run"), r.describe());
    }
  }

  @Test
  void theBoundEndsAWarmUpThatHasNotSettled() {
    try (WarmUp warmUp =
        WarmUp.start(
            new WarmUpSettings(Duration.ofSeconds(1)),
            new MutationPlanner("lpo-system"),
            WebhookServer.Limits.DEFAULT)) {
      await().atMost(Duration.ofSeconds(6)).until(warmUp::done);
      assertTrue(
          warmUp.result().took().compareTo(Duration.ofSeconds(4)) < 0, warmUp.result().describe());
    }
  }

  @Test
  void offIsDoneAtOnce() {
    try (WarmUp warmUp =
        WarmUp.start(
            WarmUpSettings.OFF, new MutationPlanner("lpo-system"), WebhookServer.Limits.DEFAULT)) {
      assertTrue(warmUp.done());
      assertEquals(0, warmUp.result().reviews());
    }
  }

  @Test
  void theEnvironmentSetsTheBound() {
    assertEquals(
        WarmUpSettings.DEFAULT_BOUND, WarmUpSettings.fromEnvironment(java.util.Map.of()).bound());
    assertFalse(
        WarmUpSettings.fromEnvironment(java.util.Map.of("LPO_WEBHOOK_WARMUP_SECONDS", "0"))
            .enabled());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WarmUpSettings.fromEnvironment(
                    java.util.Map.of("LPO_WEBHOOK_WARMUP_SECONDS", "soon")));
    assertTrue(e.getMessage().startsWith("LPO_WEBHOOK_WARMUP_SECONDS: "), e.getMessage());
    assertTrue(e.getMessage().contains("\"soon\""), e.getMessage());
  }
}
