package dev.leastprivilege.webhook.archfixture;

/**
 * Test fixture for the cli's ArchitectureTest, never run: the webhook reaching the controller that
 * hosts it.
 */
public final class WebhookFixture {
  private WebhookFixture() {}

  static Object controller() {
    return dev.leastprivilege.controller.archfixture.ControllerFixture.class;
  }
}
