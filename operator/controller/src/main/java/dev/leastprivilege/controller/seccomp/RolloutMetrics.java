package dev.leastprivilege.controller.seccomp;

import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a spec change takes to be installed on every node: from the first reconcile that sees a
 * generation to the first status that says Installed for it. A histogram, not only counters,
 * because the tail is what users feel.
 */
final class RolloutMetrics {
  private record Pending(long generation, long startNanos) {}

  private final Timer rollout;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  RolloutMetrics(MeterRegistry registry) {
    rollout =
        Timer.builder("lpo.profile.rollout")
            .description(
                "Time from a SeccompProfile spec change to its file being installed on all nodes")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
  }

  void observe(SeccompProfile p, ProfilePhase phase) {
    String uid = p.getMetadata().getUid();
    long generation = p.getMetadata().getGeneration() == null ? 0 : p.getMetadata().getGeneration();
    Pending current = pending.get(uid);
    if (current == null || current.generation() != generation) {
      if (current != null && current.generation() > generation) {
        return;
      }
      current = new Pending(generation, System.nanoTime());
      pending.put(uid, current);
    }
    if (phase == ProfilePhase.Installed && current.startNanos() > 0) {
      rollout.record(Duration.ofNanos(System.nanoTime() - current.startNanos()));
      pending.put(uid, new Pending(generation, -1));
    }
  }

  void forget(SeccompProfile p) {
    pending.remove(p.getMetadata().getUid());
  }
}
