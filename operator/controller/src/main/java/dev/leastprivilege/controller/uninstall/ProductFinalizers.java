package dev.leastprivilege.controller.uninstall;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.util.ArrayList;
import java.util.List;

/**
 * Which finalizers on a SeccompProfile or CapabilityPolicy are this product's: the operator's own
 * ({@code leastprivilege.dev/finalizer}) and any that java-operator-sdk would name after one of our
 * resources ({@code <plural>.leastprivilege.dev/finalizer}). Finalizers of other controllers (a
 * GitOps tool's, say) are never ours to remove.
 */
public final class ProductFinalizers {
  private static final String SUFFIX = "/finalizer";

  private ProductFinalizers() {}

  public static boolean isOurs(String finalizer) {
    if (finalizer == null || !finalizer.endsWith(SUFFIX)) {
      return false;
    }
    String domain = finalizer.substring(0, finalizer.length() - SUFFIX.length());
    return domain.equals(ApiNames.GROUP) || domain.endsWith("." + ApiNames.GROUP);
  }

  /**
   * The positions of our finalizers in the list, last first (so removing them one by one works).
   */
  public static List<Integer> positionsLastFirst(List<String> finalizers) {
    if (finalizers == null) {
      return List.of();
    }
    List<Integer> positions = new ArrayList<>();
    for (int i = finalizers.size() - 1; i >= 0; i--) {
      if (isOurs(finalizers.get(i))) {
        positions.add(i);
      }
    }
    return positions;
  }
}
