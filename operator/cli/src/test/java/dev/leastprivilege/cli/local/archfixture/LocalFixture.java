package dev.leastprivilege.cli.local.archfixture;

/**
 * Test fixture for ArchitectureTest, never run: {@code lpo local} may start fabric8's mock API
 * server (until issue 14), but may not call a test library.
 */
final class LocalFixture {
  private LocalFixture() {}

  static void start(io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server) {
    server.init();
  }

  static void check(Object status) {
    org.junit.jupiter.api.Assertions.assertNotNull(status);
  }
}
