package dev.leastprivilege.controller;

import dev.leastprivilege.controller.support.HealthServer;
import dev.leastprivilege.webhook.Webhook;
import dev.leastprivilege.webhook.WebhookSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetSocketAddress;
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
    // Every replica serves the webhook; only the leader's reconcilers run.
    WebhookSettings webhookSettings = WebhookSettings.fromEnvironment(System.getenv(), settings.namespace());
    Webhook webhook = Webhook.start(client, settings.namespace(), webhookSettings,
        new InetSocketAddress(webhookSettings.port()), registry);
    int port = Integer.parseInt(System.getenv().getOrDefault("HEALTH_PORT", "8081"));
    HealthServer health = new HealthServer(port, () -> operator.getRuntimeInfo().allEventSourcesAreHealthy(),
        webhook::ready, registry::scrape);
    operator.installShutdownHook(Duration.ofSeconds(10));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      health.close();
      webhook.close();
    }));
    LOG.info("starting in namespace {} (leader election {})", settings.namespace(),
        settings.leaderElection() ? "on" : "off");
    operator.start();
  }
}
