package dev.leastprivilege.controller;

import dev.leastprivilege.controller.uninstall.Uninstall;
import dev.leastprivilege.controller.uninstall.UninstallSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of the chart's {@code pre-delete} hook Job: {@link Uninstall} as the Job's
 * environment configures it. Exits 0 when everything is done, 1 (with the reason in the log) when
 * not, which fails the hook and so {@code helm uninstall}; running it again is safe.
 */
public final class UninstallMain {
  private static final Logger LOG = LoggerFactory.getLogger(UninstallMain.class);

  private UninstallMain() {}

  public static void main(String[] args) {
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      new Uninstall(client, UninstallSettings.fromEnvironment(System.getenv()), Clock.systemUTC())
          .run();
    } catch (RuntimeException e) {
      LOG.error("uninstall failed: {}", e.getMessage(), e);
      System.exit(1);
    }
  }
}
