package dev.leastprivilege.controller;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's entry point in its Deployment: {@link LeastPrivilegeOperator} as the environment
 * configures it, the reconcilers only. The webhook runs in its own Deployment ({@link
 * WebhookMain}).
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws Exception {
    LeastPrivilegeOperator lpo =
        LeastPrivilegeOperator.fromEnvironment(
                new KubernetesClientBuilder().build(), System.getenv())
            .build();
    lpo.installShutdownHook();
    LOG.info(
        "starting in namespace {} (leader election {})",
        lpo.settings().namespace(),
        lpo.settings().leaderElection() ? "on" : "off");
    lpo.start();
  }
}
