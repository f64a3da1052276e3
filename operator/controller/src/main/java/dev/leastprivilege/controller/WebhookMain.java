package dev.leastprivilege.controller;

import dev.leastprivilege.webhook.Webhook;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook's entry point in its own Deployment: {@link WebhookProcess} as the environment
 * configures it. It never exits on its own: while the API server cannot be reached it serves what
 * it has and retries in the background, since a crash loop's back-off would outlast the outage.
 */
public final class WebhookMain {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookMain.class);

  private WebhookMain() {}

  public static void main(String[] args) throws Exception {
    var client =
        new KubernetesClientBuilder()
            .withConfig(Webhook.clientConfig(Config.autoConfigure(null)))
            .build();
    WebhookProcess process = WebhookProcess.fromEnvironment(client, System.getenv());
    Runtime.getRuntime().addShutdownHook(new Thread(process::close, "lpo-webhook-shutdown"));
    LOG.info("webhook started (health port {})", process.healthPort().orElse(-1));
  }
}
