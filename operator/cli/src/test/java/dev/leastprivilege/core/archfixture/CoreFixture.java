package dev.leastprivilege.core.archfixture;

/**
 * Test fixture for the cli's ArchitectureTest, never run: core reaching the webhook, against the
 * module directions.
 */
final class CoreFixture {
  private CoreFixture() {}

  static Object webhook() {
    return dev.leastprivilege.webhook.archfixture.WebhookFixture.class;
  }
}
