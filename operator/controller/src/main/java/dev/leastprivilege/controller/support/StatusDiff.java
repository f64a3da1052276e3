package dev.leastprivilege.controller.support;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Compares statuses by their JSON, so the status writers patch only when something a user can see
 * changed.
 */
public final class StatusDiff {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusDiff() {}

  public static boolean same(Object a, Object b) {
    return JSON.valueToTree(a).equals(JSON.valueToTree(b));
  }
}
