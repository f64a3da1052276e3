package dev.leastprivilege.core.admission;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;

/**
 * The webhook's answer for one pod.
 *
 * @param allowed false refuses the pod with {@code message}
 * @param patch a JSON Patch (RFC 6902) for the pod; empty when nothing changes
 * @param warnings admission warnings, which kubectl prints as "Warning: ..."
 */
public record AdmissionPlan(
    boolean allowed, String message, ArrayNode patch, List<String> warnings) {
  public boolean changes() {
    return patch != null && !patch.isEmpty();
  }
}
