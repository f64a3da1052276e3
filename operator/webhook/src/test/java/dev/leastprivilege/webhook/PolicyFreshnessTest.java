package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PolicyFreshnessTest {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  @Test
  void servesTheLastKnownPoliciesUpToTheBoundWithoutAWatch() {
    PolicyFreshness f = new PolicyFreshness(Duration.ofSeconds(300), clock);
    f.observe(true);
    now = now.plusSeconds(10);
    f.observe(false);
    assertEquals(Duration.ofSeconds(10), f.unwatchedFor());
    now = now.plusSeconds(290);
    assertTrue(f.withinBound(), "300 s without a watch: still within");
    now = now.plusSeconds(1);
    assertFalse(f.withinBound(), "301 s: too stale");
    f.observe(true);
    assertEquals(Duration.ZERO, f.unwatchedFor());
    assertTrue(f.withinBound(), "a working watch again");
  }

  @Test
  void theClockStartsAtTheFirstSync() {
    PolicyFreshness f = new PolicyFreshness(Duration.ofSeconds(5), clock);
    now = now.plusSeconds(60);
    f.observe(false);
    assertEquals(Duration.ZERO, f.unwatchedFor(), "not synced yet: readiness waits for the sync");
  }

  @Test
  void zeroBetweenTwoObservationsOfAWorkingWatch() {
    PolicyFreshness f = new PolicyFreshness(Duration.ofSeconds(5), clock);
    f.synced();
    f.observe(true);
    now = now.plusMillis(700);
    assertEquals(Duration.ZERO, f.unwatchedFor(), "watching: the policies are current");
  }
}
