package dev.leastprivilege.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.admission.NamespacePolicies;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Slow and hostile clients cannot stall admissions: while 24 connections (six times the four
 * workers the server once had) trickle their TLS handshake, their headers or their body, or say
 * nothing at all, admissions are answered as fast as without them, and every slow connection is
 * closed once its request timeout has passed.
 */
class SlowClientsTest {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final int PER_KIND = 6;
  private static final int ADMITTERS = 4;

  @Test
  void slowConnectionsAreCutOffAndAdmissionsKeepTheirLatency() throws Exception {
    WebhookServer.Limits limits =
        new WebhookServer.Limits(REQUEST_TIMEOUT, Duration.ofSeconds(30), 64);
    try (TestWebhook webhook =
        TestWebhook.start(
            ns -> NamespacePolicies.EMPTY,
            ClusterReads.none(),
            new SimpleMeterRegistry(),
            limits)) {
      admit(webhook, Duration.ofSeconds(2)); // warms up the JIT, TLS sessions and connections
      Latencies baseline = admit(webhook, Duration.ofSeconds(3));

      SlowClients slow =
          SlowClients.start(
              new InetSocketAddress("127.0.0.1", webhook.server().port()),
              webhook.caCertificate(),
              PER_KIND,
              Duration.ofMillis(100));
      Latencies underAttack;
      List<SlowClients.Cut> cuts;
      try {
        // Every slow client takes its connection (and, before the fix, a worker) first.
        slow.assertEngaged(Duration.ofSeconds(30));
        underAttack = admit(webhook, REQUEST_TIMEOUT.multipliedBy(3));
        cuts = slow.cuts();
        assertEquals(List.of(), slow.surprises());
      } finally {
        slow.close();
      }

      System.out.printf(
          "without slow clients: %s; with %d slow clients: %s; %d slow connections cut off%n",
          baseline, PER_KIND * SlowClients.Kind.values().length, underAttack, cuts.size());
      assertEquals(List.of(), underAttack.failures, "every admission answered");
      assertTrue(
          underAttack.median() <= 2 * baseline.median() + 20,
          () -> "median " + underAttack + " against " + baseline + " without slow clients");
      assertTrue(
          underAttack.p99() <= 2 * baseline.p99() + 250,
          () -> "p99 " + underAttack + " against " + baseline + " without slow clients");

      // Every kind of slow connection was closed, each once its time was up and not much later
      // (the server looks every second, and a busy machine runs its timer late by seconds; without
      // the limits, a silent one is closed after 30 to 40 s and the others never).
      assertEquals(
          EnumSet.allOf(SlowClients.Kind.class),
          cuts.stream().map(SlowClients.Cut::kind).collect(Collectors.toSet()),
          () -> "cut off: " + cuts);
      for (SlowClients.Cut cut : cuts) {
        assertTrue(
            cut.lived().compareTo(REQUEST_TIMEOUT.minusMillis(250)) >= 0
                && cut.lived().compareTo(REQUEST_TIMEOUT.plusSeconds(5)) <= 0,
            () -> cut + " should have lived about " + REQUEST_TIMEOUT);
      }
    }
  }

  /** Admissions from {@link #ADMITTERS} threads, back to back, for {@code duration}. */
  private static Latencies admit(TestWebhook webhook, Duration duration) throws Exception {
    String review =
        AdmissionClient.createReview(
                AdmissionReviews.JSON.readTree(
                    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
                        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}"),
                "team")
            .toString();
    ConcurrentLinkedQueue<Long> millis = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < ADMITTERS; i++) {
      Thread t =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  long start = System.nanoTime();
                  try {
                    int code = webhook.client().post(review).statusCode();
                    if (code != 200) {
                      failures.add("HTTP " + code);
                    }
                  } catch (Exception e) {
                    failures.add(e.toString());
                  }
                  millis.add((System.nanoTime() - start) / 1_000_000);
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return new Latencies(new ArrayList<>(millis), List.copyOf(failures));
  }

  private record Latencies(List<Long> millis, List<String> failures) {
    Latencies {
      millis = new ArrayList<>(millis);
      Collections.sort(millis);
    }

    long median() {
      return millis.get(millis.size() / 2);
    }

    long p99() {
      return millis.get(Math.min(millis.size() - 1, (int) Math.ceil(millis.size() * 0.99) - 1));
    }

    @Override
    public String toString() {
      return millis.size()
          + " admissions, median "
          + median()
          + " ms, p99 "
          + p99()
          + " ms, max "
          + millis.get(millis.size() - 1)
          + " ms";
    }
  }
}
