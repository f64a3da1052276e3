package dev.leastprivilege.cli.archfixture;

/**
 * Test fixture for ArchitectureTest, never run: a cli class outside {@code cli.local} that reaches
 * the agent and fabric8's mock API server, both of which only {@code lpo local} may use.
 */
final class CliFixture {
  private CliFixture() {}

  static Object agent() {
    return dev.leastprivilege.agent.archfixture.AgentFixture.class;
  }

  static void start(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
    server.init();
  }
}
