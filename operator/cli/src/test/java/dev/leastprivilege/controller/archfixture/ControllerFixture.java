package dev.leastprivilege.controller.archfixture;

/**
 * Test fixture for the cli's ArchitectureTest, never run: production code calling a test library.
 */
public final class ControllerFixture {
  private ControllerFixture() {}

  static void check(Object status) {
    org.junit.jupiter.api.Assertions.assertNotNull(status);
  }
}
