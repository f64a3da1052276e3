package dev.leastprivilege.controller;

import dev.leastprivilege.controller.support.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's entry point in its Deployment. */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws Exception {
    OperatorSettings settings = OperatorSettings.fromEnvironment(System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Operator operator = LeastPrivilegeOperator.create(client, settings, registry);
    int port = Integer.parseInt(System.getenv().getOrDefault("HEALTH_PORT", "8081"));
    HealthServer health = new HealthServer(port, () -> operator.getRuntimeInfo().allEventSourcesAreHealthy(),
        () -> operator.getRuntimeInfo().isStarted(), registry::scrape);
    operator.installShutdownHook(Duration.ofSeconds(10));
    Runtime.getRuntime().addShutdownHook(new Thread(health::close));
    LOG.info("starting in namespace {} (leader election {})", settings.namespace(),
        settings.leaderElection() ? "on" : "off");
    operator.start();
  }
}
