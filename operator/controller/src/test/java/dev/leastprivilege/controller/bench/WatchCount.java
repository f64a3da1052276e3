package dev.leastprivilege.controller.bench;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.atomic.LongAdder;

/**
 * The events a watch on the report objects received, and their JSON size: each object as received,
 * written again as JSON, in its watch event envelope. (The API server v1.20 does not count the
 * events of WebSocket watches, which is what the fabric8 client opens, in its
 * apiserver_watch_events_sizes.)
 */
final class WatchCount {
  /** Events and JSON bytes at one moment. */
  record Counts(long events, long jsonBytes) {
    Counts minus(Counts before) {
      return new Counts(events - before.events, jsonBytes - before.jsonBytes);
    }
  }

  private final KubernetesSerialization json;
  private final LongAdder events = new LongAdder();
  private final LongAdder bytes = new LongAdder();

  WatchCount(KubernetesSerialization json) {
    this.json = json;
  }

  void added(Object o) {
    count("ADDED", o);
  }

  void modified(Object o) {
    count("MODIFIED", o);
  }

  void deleted(Object o) {
    count("DELETED", o);
  }

  private void count(String type, Object o) {
    events.increment();
    // {"type":"MODIFIED","object":{...}} and a newline
    bytes.add(json.asJson(o).length() + type.length() + 22);
  }

  Counts counts() {
    return new Counts(events.sum(), bytes.sum());
  }
}
