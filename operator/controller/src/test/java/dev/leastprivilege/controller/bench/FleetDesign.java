package dev.leastprivilege.controller.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/** One report design with its simulated fleet, as {@link FleetBenchmark} drives it. */
interface FleetDesign extends AutoCloseable {
  /** The three changes measured, each of one profile with P profiles installed everywhere. */
  enum Op {
    CREATE,
    UPDATE,
    DELETE
  }

  /** Report objects: how many, and the sum of their JSON sizes as the API server returns them. */
  record ReportObjects(long count, long jsonBytes) {}

  String name();

  /** The report resource (plural) and kind, for the API server's metrics. */
  String reportResource();

  String reportKind();

  /**
   * Starts the simulated nodes (and the watcher, when there is no operator), and returns once every
   * node has reported the profiles already installed.
   */
  void start() throws Exception;

  /** Makes one change: the write a user (or, for NEW, the operator after it) makes. */
  void trigger(Op op, int rep) throws Exception;

  /**
   * When the profile's state became exact (System.nanoTime), or -1 when this design cannot tell
   * (SPO after an update); throws on timeout.
   */
  long awaitExact(Duration timeout) throws Exception;

  /** When the simulated nodes first saw the change (System.nanoTime), 0 when not seen. */
  long publishSeen();

  /** No report write is waiting or running. */
  boolean quiet();

  Tally tally();

  /** What the watch on the report objects (the operator's or the watcher's) received. */
  WatchCount watched();

  ReportObjects reportObjects(KubernetesClient admin);
}
