package dev.leastprivilege.controller.uninstall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.controller.seccomp.SeccompProfileReconciler;
import io.javaoperatorsdk.operator.ReconcilerUtils;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProductFinalizersTest {
  @Test
  void theOperatorsFinalizersAreOurs() {
    assertTrue(ProductFinalizers.isOurs(SeccompProfileReconciler.FINALIZER));
    // The name java-operator-sdk gives a finalizer it adds for one of our resources.
    assertTrue(
        ProductFinalizers.isOurs(ReconcilerUtils.getDefaultFinalizerName(CapabilityPolicy.class)));
  }

  @Test
  void anotherControllersFinalizerIsNot() {
    assertFalse(ProductFinalizers.isOurs("argocd.argoproj.io/finalizer"));
    assertFalse(ProductFinalizers.isOurs("kubernetes"));
    assertFalse(ProductFinalizers.isOurs("foreground-deletion"));
    assertFalse(ProductFinalizers.isOurs("evil-leastprivilege.dev/finalizer"));
    assertFalse(ProductFinalizers.isOurs("leastprivilege.dev/other"));
    assertFalse(ProductFinalizers.isOurs(null));
  }

  @Test
  void positionsComeLastFirstSoThatRemovingThemInOrderKeepsTheRestInPlace() {
    assertEquals(
        List.of(2, 0),
        ProductFinalizers.positionsLastFirst(
            List.of(
                "leastprivilege.dev/finalizer",
                "example.com/keep",
                "capabilitypolicies.leastprivilege.dev/finalizer")));
    assertEquals(List.of(), ProductFinalizers.positionsLastFirst(null));
  }
}
