package dev.leastprivilege.core.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * Refusal reasons and warnings gathered while planning one pod, so the user sees all of them at
 * once.
 */
final class Findings {
  final List<String> refusals = new ArrayList<>();
  final List<String> warnings = new ArrayList<>();

  void refuse(String message) {
    refusals.add(message);
  }

  void warn(String message) {
    warnings.add(message);
  }
}
