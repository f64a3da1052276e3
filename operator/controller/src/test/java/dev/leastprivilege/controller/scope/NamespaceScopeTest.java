package dev.leastprivilege.controller.scope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.admission.PolicyNamespaces;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The reconcilers' step before a ready status: it waits for the namespace label, and says why when
 * the label does not come.
 */
class NamespaceScopeTest {
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final NamespaceScope scope =
      new NamespaceScope(new PolicyNamespaces("lpo-system"), null, now::get);

  @Test
  void aStatusWaitsUntilTheWriterHasLabelledTheNamespace() {
    assertInstanceOf(NamespaceScope.Gate.Wait.class, scope.gate("shop"));
    scope.labelled("shop");
    assertInstanceOf(NamespaceScope.Gate.Open.class, scope.gate("shop"));
  }

  @Test
  void aLabelBeingRemovedMakesNoStatusReady() {
    scope.labelled("shop");
    scope.unlabelled("shop");
    assertInstanceOf(NamespaceScope.Gate.Wait.class, scope.gate("shop"));
  }

  @Test
  void aFailedLabelWithholdsReadyWithTheCause() {
    scope.failed("shop", "the operator could not label it (namespaces \"shop\" is forbidden)");
    NamespaceScope.Gate gate = scope.gate("shop");
    NamespaceScope.Gate.Withhold why = assertInstanceOf(NamespaceScope.Gate.Withhold.class, gate);
    assertEquals(
        "namespace shop does not carry the label leastprivilege.dev/has-policies=true, so the API"
            + " server does not send its pods to the webhook: the operator could not label it"
            + " (namespaces \"shop\" is forbidden). The operator retries; check that its ClusterRole"
            + " may patch namespaces",
        why.message());
    scope.labelled("shop");
    assertInstanceOf(NamespaceScope.Gate.Open.class, scope.gate("shop"));
  }

  @Test
  void waitingLongerThanThePatienceIsSaidInTheStatus() {
    assertInstanceOf(NamespaceScope.Gate.Wait.class, scope.gate("shop"));
    now.set(now.get().plus(NamespaceScope.PATIENCE).plus(Duration.ofSeconds(1)));
    NamespaceScope.Gate.Withhold why =
        assertInstanceOf(NamespaceScope.Gate.Withhold.class, scope.gate("shop"));
    assertTrue(why.message().startsWith("namespace shop does not carry the label"), why.message());
  }

  @Test
  void exemptNamespacesNeverWait() {
    assertInstanceOf(NamespaceScope.Gate.Open.class, scope.gate("kube-system"));
    assertInstanceOf(NamespaceScope.Gate.Open.class, scope.gate("lpo-system"));
  }
}
