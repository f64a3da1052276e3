package dev.leastprivilege.core.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.admission.PolicyNamespaces.Change;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which namespaces carry leastprivilege.dev/has-policies=true, the label the webhook selects. */
class PolicyNamespacesTest {
  private final PolicyNamespaces rule = new PolicyNamespaces("lpo-system");
  private static final Map<String, String> LABELLED =
      Map.of("leastprivilege.dev/has-policies", "true");

  @Test
  void aNamespaceWithAPolicyAndNoLabelGetsIt() {
    assertEquals(Change.ADD, rule.change("shop", Map.of("team", "a"), true));
    assertEquals(Change.ADD, rule.change("shop", null, true));
  }

  @Test
  void aLabelWithAnotherValueIsReplaced_sinceTheWebhookSelectsOnlyTrue() {
    assertEquals(
        Change.ADD, rule.change("shop", Map.of("leastprivilege.dev/has-policies", "false"), true));
  }

  @Test
  void aLabelledNamespaceWithPoliciesIsLeftAsItIs() {
    assertEquals(Change.NONE, rule.change("shop", LABELLED, true));
  }

  @Test
  void theLabelGoesWithTheLastPolicy_andANamespaceWithoutEitherIsLeftAlone() {
    assertEquals(Change.REMOVE, rule.change("shop", LABELLED, false));
    assertEquals(
        Change.REMOVE,
        rule.change("shop", Map.of("leastprivilege.dev/has-policies", "false"), false));
    assertEquals(Change.NONE, rule.change("shop", Map.of("team", "a"), false));
    assertEquals(Change.NONE, rule.change("shop", null, false));
  }

  @Test
  void kubeSystemAndTheOperatorsNamespaceNeverCarryIt_evenWithPolicies() {
    // The webhook leaves their pods alone; the label would only let its outage block them.
    assertEquals(Change.NONE, rule.change("kube-system", null, true));
    assertEquals(Change.NONE, rule.change("lpo-system", null, true));
    assertEquals(Change.REMOVE, rule.change("kube-system", LABELLED, true));
    assertEquals(Change.REMOVE, rule.change("lpo-system", LABELLED, true));
    assertTrue(rule.exempt("kube-system"));
    assertFalse(rule.exempt("shop"));
  }

  @Test
  void anOptedOutNamespaceIsLabelledToo_theOptOutLabelWinsInTheWebhookConfiguration() {
    assertEquals(
        Change.ADD, rule.change("legacy", Map.of("leastprivilege.dev/ignore", "true"), true));
  }
}
