package dev.leastprivilege.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A steady stream of pod creations, one every {@code period}, each a single request (the client
 * does not retry), as a workload controller would send them. Records when each attempt started and
 * ended, whether the API server stored the pod, and whether the stored pod was patched.
 */
final class PodCreationStream implements AutoCloseable {
  /** One pod creation: times in nanoseconds of System.nanoTime(). */
  record Attempt(long start, long end, boolean created, boolean patched, String error) {}

  private final KubernetesClient client;
  private final String namespace;
  private final Predicate<Pod> patched;
  private final ScheduledExecutorService timer;
  private final List<Attempt> attempts = new ArrayList<>();
  private int next;

  PodCreationStream(
      KubernetesClient client, String namespace, Predicate<Pod> patched, Duration period) {
    this.client = client;
    this.namespace = namespace;
    this.patched = patched;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pod-stream");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::createOne, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void createOne() {
    String name = "stream-" + next++;
    long start = System.nanoTime();
    try {
      Pod stored = client.resource(pod(namespace, name)).create();
      record(new Attempt(start, System.nanoTime(), true, patched.test(stored), null));
    } catch (RuntimeException e) {
      StringBuilder why = new StringBuilder(String.valueOf(e.getMessage()));
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        why.append(" <- ").append(c);
      }
      record(new Attempt(start, System.nanoTime(), false, false, why.toString()));
    }
  }

  /** The stream's pod: one busybox container, labelled app=stream, nothing else asked for. */
  static Pod pod(String namespace, String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels("app", "stream")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .build();
  }

  private synchronized void record(Attempt a) {
    attempts.add(a);
  }

  synchronized List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /** Attempts that started at or after {@code nanos}. */
  synchronized List<Attempt> since(long nanos) {
    return attempts.stream().filter(a -> a.start() >= nanos).toList();
  }

  /**
   * From the start of the first failed attempt to the end of the last one: how long pod creation
   * failed; zero when none did.
   */
  synchronized Duration failureSpan() {
    List<Attempt> failed = attempts.stream().filter(a -> !a.created()).toList();
    if (failed.isEmpty()) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(failed.get(failed.size() - 1).end() - failed.get(0).start());
  }

  /**
   * Stops the stream after the attempt under way: interrupting it would record a failure of the
   * client's own making.
   */
  @Override
  public void close() throws InterruptedException {
    timer.shutdown();
    timer.awaitTermination(30, TimeUnit.SECONDS);
  }
}
