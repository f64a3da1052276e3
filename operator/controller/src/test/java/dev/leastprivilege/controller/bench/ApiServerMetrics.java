package dev.leastprivilege.controller.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's own count of the requests it served ({@code apiserver_request_total} in its
 * /metrics), to cross-check the benchmark's count. (Its {@code apiserver_watch_events_sizes} would
 * count watch bytes, but v1.20 does not observe WebSocket watches, which the fabric8 client uses.)
 */
final class ApiServerMetrics {
  private static final Pattern LINE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)}\\s+(\\S+)$");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One series: its name and labels. */
  record Series(String name, Map<String, String> labels) {
    String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  /** The series this benchmark reads, at one moment. */
  record Snapshot(Map<Series, Double> values) {
    /** Sum over the series that match, of this snapshot minus an earlier one. */
    double delta(Snapshot before, Predicate<Series> which) {
      double sum = 0;
      for (Map.Entry<Series, Double> e : values.entrySet()) {
        if (which.test(e.getKey())) {
          sum += e.getValue() - before.values.getOrDefault(e.getKey(), 0.0);
        }
      }
      return sum;
    }
  }

  private final KubernetesClient admin;

  ApiServerMetrics(KubernetesClient admin) {
    this.admin = admin;
  }

  Snapshot read() {
    String text = admin.raw("/metrics");
    Map<Series, Double> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith("apiserver_request_total{")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      Matcher l = LABEL.matcher(m.group(2));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      out.put(new Series(m.group(1), Map.copyOf(labels)), Double.parseDouble(m.group(3)));
    }
    return new Snapshot(out);
  }

  /** Requests served for a resource (plural), any verb. */
  static Predicate<Series> requests(String resource) {
    return s -> s.name().equals("apiserver_request_total") && s.label("resource").equals(resource);
  }

  /** Requests served for a resource and verb (GET, PATCH, PUT, POST, DELETE, ...). */
  static Predicate<Series> requests(String resource, String verb) {
    return requests(resource).and(s -> s.label("verb").equals(verb));
  }
}
