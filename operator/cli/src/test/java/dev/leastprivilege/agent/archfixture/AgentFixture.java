package dev.leastprivilege.agent.archfixture;

/**
 * Test fixture for the cli's ArchitectureTest, never run: the agent starting fabric8's mock API
 * server.
 */
public final class AgentFixture {
  private AgentFixture() {}

  static void start(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
    server.init();
  }
}
