package dev.leastprivilege.controller.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulated nodes sent, counted by the benchmark itself: requests by kind ("PATCH
 * nodeprofilestatuses/status", ...) and the bytes of their JSON bodies.
 */
final class Tally {
  /** Requests and body bytes of one kind of request. */
  record Count(long requests, long bytes) {
    Count minus(Count before) {
      return before == null ? this : new Count(requests - before.requests, bytes - before.bytes);
    }
  }

  private final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();

  void count(String request, long bodyBytes) {
    LongAdder[] c =
        counts.computeIfAbsent(request, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
    c[0].increment();
    c[1].add(bodyBytes);
  }

  Map<String, Count> snapshot() {
    Map<String, Count> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, new Count(v[0].sum(), v[1].sum())));
    return out;
  }

  static Map<String, Count> minus(Map<String, Count> after, Map<String, Count> before) {
    Map<String, Count> out = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          Count d = v.minus(before.get(k));
          if (d.requests() != 0) {
            out.put(k, d);
          }
        });
    return out;
  }

  static long requests(Map<String, Count> counts) {
    return counts.values().stream().mapToLong(Count::requests).sum();
  }

  static long bytes(Map<String, Count> counts) {
    return counts.values().stream().mapToLong(Count::bytes).sum();
  }
}
