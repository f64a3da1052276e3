package dev.leastprivilege.cli.local;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints objects the way `kubectl get -A` does, with the Ready message that explains a failure. */
final class StatusTable {
  private StatusTable() {}

  static void profiles(PrintWriter out, List<SeccompProfile> profiles) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAMESPACE", "NAME", "MODE", "PHASE", "INSTALLED", "MESSAGE"});
    for (SeccompProfile p : profiles) {
      var s = p.getStatus();
      rows.add(
          new String[] {
            p.getMetadata().getNamespace(),
            p.getMetadata().getName(),
            p.getSpec().getMode() == null ? "Enforce" : p.getSpec().getMode().name(),
            s == null || s.getPhase() == null ? "Pending" : s.getPhase().name(),
            s == null || s.getInstalledOn() == null ? "" : s.getInstalledOn(),
            message(s == null ? null : s.getConditions())
          });
    }
    print(out, rows);
  }

  static void policies(PrintWriter out, List<CapabilityPolicy> policies) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {"NAMESPACE", "NAME", "MODE", "READY", "MATCHED", "NONCOMPLIANT", "MESSAGE"});
    for (CapabilityPolicy p : policies) {
      var s = p.getStatus();
      List<Condition> conditions = s == null ? null : s.getConditions();
      rows.add(
          new String[] {
            p.getMetadata().getNamespace(),
            p.getMetadata().getName(),
            p.getSpec().getMode() == null ? "Enforce" : p.getSpec().getMode().name(),
            conditions == null || conditions.isEmpty() ? "" : conditions.get(0).getStatus(),
            s == null || s.getMatchedPods() == null ? "" : s.getMatchedPods().toString(),
            s == null || s.getNonCompliantPods() == null ? "" : s.getNonCompliantPods().toString(),
            message(conditions)
          });
    }
    print(out, rows);
  }

  private static String message(List<Condition> conditions) {
    return conditions == null || conditions.isEmpty() || conditions.get(0).getMessage() == null
        ? ""
        : conditions.get(0).getMessage();
  }

  private static void print(PrintWriter out, List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols - 1; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        sb.append(i < cols - 1 ? String.format("%-" + (width[i] + 3) + "s", r[i]) : r[i]);
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
