package dev.leastprivilege.controller;

import dev.leastprivilege.controller.capability.CapabilityPolicyReconciler;
import dev.leastprivilege.controller.seccomp.SeccompProfileReconciler;
import dev.leastprivilege.controller.support.EventRecorder;
import dev.leastprivilege.controller.workloads.RunningPodReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;

/** Assembles the operator: both reconcilers, metrics, and leader election when replicas are more than one. */
public final class LeastPrivilegeOperator {
  private LeastPrivilegeOperator() {}

  public static Operator create(KubernetesClient client, OperatorSettings settings, MeterRegistry registry) {
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
          // Per controller, not per resource: a histogram per profile costs megabytes of heap at 10,000 profiles
          // and as many Prometheus series.
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry));
      if (settings.leaderElection()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(OperatorSettings.LEASE_NAME,
            settings.namespace(), Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2),
            settings.identity(), null, settings.exitOnLostLeadership()));
      }
    });
    EventRecorder events = new EventRecorder(client);
    RunningPodReview runningPods = new RunningPodReview(client, events, settings.podRecount());
    operator.register(new SeccompProfileReconciler(settings.namespace(), events, runningPods, registry));
    operator.register(new CapabilityPolicyReconciler(runningPods));
    return operator;
  }
}
