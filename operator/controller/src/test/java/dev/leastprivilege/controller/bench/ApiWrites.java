package dev.leastprivilege.controller.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The writes the API server has served, by resource (and subresource), from its own {@code
 * apiserver_request_total} counter: what a change costs, counted by the server rather than by the
 * client.
 */
final class ApiWrites {
  private static final Pattern LINE =
      Pattern.compile("^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$");

  private ApiWrites() {}

  static Map<String, Long> byResource(KubernetesClient client) {
    Map<String, Long> out = new TreeMap<>();
    for (String line : client.raw("/metrics").split("\n")) {
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = labels(m.group(1));
      String verb = labels.getOrDefault("verb", "");
      if (!(verb.equals("POST")
          || verb.equals("PUT")
          || verb.equals("PATCH")
          || verb.equals("DELETE")
          || verb.equals("APPLY"))) {
        continue;
      }
      String sub = labels.getOrDefault("subresource", "");
      String key = labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub);
      out.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return out;
  }

  static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          long d = v - before.getOrDefault(k, 0L);
          if (d > 0) {
            out.put(k, d);
          }
        });
    return out;
  }

  private static Map<String, String> labels(String s) {
    Map<String, String> out = new TreeMap<>();
    Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(s);
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }
}
