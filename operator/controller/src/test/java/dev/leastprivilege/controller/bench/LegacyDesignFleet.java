package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.bench.BenchReports.LegacyNodeReport;
import dev.leastprivilege.controller.bench.BenchReports.LegacyStatus;
import dev.leastprivilege.controller.bench.BenchReports.NodeSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Design TODAY (the report as it was before): each node's one object lists every profile it has,
 * with its content hash, and the whole list is written again on every change, the way the earlier
 * agent's NodeStatusReporter did it: a GET of the object, then a JSON merge patch of the status
 * with the full list (debounced 200 ms). There is no operator: the rendered-profile ConfigMaps are
 * written by the benchmark, and a watcher with its own informer on the reports (as an operator
 * would have) decides that a change is exact when all N nodes list the profile with the new hash,
 * or none lists it any more.
 */
final class LegacyDesignFleet implements FleetDesign {
  private final KubernetesClient reporter;
  private final KubernetesClient nodeWatch;
  private final KubernetesClient watcher;
  private final KubernetesClient admin;
  private final String operatorNamespace;
  private final String profileNamespace;
  private final List<String> nodes;
  private final Debouncer debouncer;
  private final Tally tally = new Tally();
  private final AtomicIntegerArray written;
  private final Exactness exactness = new Exactness();
  private final WatchCount watched;

  /** What every simulated node has: profile (namespace/name) to content hash, sorted. */
  private final Map<String, String> installed = new ConcurrentSkipListMap<>();

  /** The watcher's fold of the changing profile: node to the hash it lists (absent: none). */
  private final Map<String, String> fold = new ConcurrentHashMap<>();

  private SharedIndexInformer<ConfigMap> configMaps;
  private SharedIndexInformer<LegacyNodeReport> reports;

  private record Target(Op op, String profile, String hash) {}

  private volatile Target target;
  private volatile String watchedConfigMap;
  private volatile long publishSeen;

  LegacyDesignFleet(
      KubernetesClient reporter,
      KubernetesClient nodeWatch,
      KubernetesClient watcher,
      KubernetesClient admin,
      String operatorNamespace,
      String profileNamespace,
      List<String> nodes,
      ScheduledExecutorService pool) {
    this.reporter = reporter;
    this.nodeWatch = nodeWatch;
    this.watcher = watcher;
    this.admin = admin;
    this.operatorNamespace = operatorNamespace;
    this.profileNamespace = profileNamespace;
    this.nodes = nodes;
    this.written = new AtomicIntegerArray(nodes.size());
    this.debouncer = new Debouncer(pool, nodes.size(), 200, this::write);
    this.watched = new WatchCount(watcher.getKubernetesSerialization());
  }

  @Override
  public String name() {
    return "TODAY";
  }

  @Override
  public String reportResource() {
    return "legacynodereports";
  }

  @Override
  public String reportKind() {
    return "LegacyNodeReport";
  }

  @Override
  public void start() throws Exception {
    reports =
        watcher
            .resources(LegacyNodeReport.class)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(LegacyNodeReport r) {
                    watched.added(r);
                    fold(r);
                  }

                  @Override
                  public void onUpdate(LegacyNodeReport old, LegacyNodeReport r) {
                    watched.modified(r);
                    fold(r);
                  }

                  @Override
                  public void onDelete(LegacyNodeReport r, boolean unknown) {
                    watched.deleted(r);
                  }
                },
                0);
    configMaps =
        nodeWatch
            .configMaps()
            .inNamespace(operatorNamespace)
            .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap cm) {
                    apply(cm, false);
                  }

                  @Override
                  public void onUpdate(ConfigMap old, ConfigMap cm) {
                    apply(cm, false);
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean unknown) {
                    apply(cm, true);
                  }
                },
                0);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!allWritten() || !debouncer.idle() || reports.getStore().list().size() < nodes.size()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the simulated nodes did not all report");
      }
      Thread.sleep(100);
    }
  }

  private boolean allWritten() {
    for (int i = 0; i < written.length(); i++) {
      if (written.get(i) == 0) {
        return false;
      }
    }
    return true;
  }

  /** What the earlier agent did with a ConfigMap change: install, or remove. */
  private void apply(ConfigMap cm, boolean deleted) {
    var id = RenderedProfileConfigMap.identity(cm);
    if (id.isEmpty()) {
      return;
    }
    String key = id.get().namespace() + "/" + id.get().name();
    var hash = RenderedProfileConfigMap.contentHash(cm);
    if (deleted || RenderedProfileConfigMap.isTombstone(cm) || hash.isEmpty()) {
      installed.remove(key);
    } else {
      installed.put(key, hash.get());
    }
    if (publishSeen == 0 && cm.getMetadata().getName().equals(watchedConfigMap)) {
      publishSeen = System.nanoTime();
    }
    debouncer.changedAll();
  }

  /** The earlier NodeStatusReporter.write, for node i: read, create if missing, patch. */
  private void write(int i) {
    String node = nodes.get(i);
    List<FailedProfile> list = new ArrayList<>(installed.size());
    installed.forEach(
        (key, hash) -> {
          int slash = key.indexOf('/');
          list.add(
              new FailedProfile(key.substring(0, slash), key.substring(slash + 1), hash, null));
        });
    tally.count("GET legacynodereports", 0);
    LegacyNodeReport current = reporter.resources(LegacyNodeReport.class).withName(node).get();
    if (current == null) {
      LegacyNodeReport fresh = new LegacyNodeReport();
      fresh.setMetadata(new ObjectMetaBuilder().withName(node).build());
      NodeSpec spec = new NodeSpec();
      spec.setNodeName(node);
      fresh.setSpec(spec);
      tally.count("POST legacynodereports", json(fresh));
      current = reporter.resource(fresh).create();
    }
    LegacyStatus status = new LegacyStatus();
    status.setInstalled(list);
    status.setFailed(new ArrayList<>());
    status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    current.setStatus(status);
    tally.count("PATCH legacynodereports/status", json(current));
    reporter.resource(current).patchStatus();
    written.set(i, 1);
  }

  private long json(Object o) {
    return reporter.getKubernetesSerialization().asJson(o).length();
  }

  /** The hash a report lists for the changing profile, or null. */
  private static String hashOf(LegacyNodeReport r, String profile) {
    if (r.getStatus() == null || r.getStatus().getInstalled() == null) {
      return null;
    }
    for (FailedProfile p : r.getStatus().getInstalled()) {
      if (profile.equals(p.getNamespace() + "/" + p.getName())) {
        return p.getContentHash();
      }
    }
    return null;
  }

  private synchronized void fold(LegacyNodeReport r) {
    Target t = target;
    if (t == null) {
      return;
    }
    String hash = hashOf(r, t.profile());
    if (hash == null) {
      fold.remove(r.getMetadata().getName());
    } else {
      fold.put(r.getMetadata().getName(), hash);
    }
    if (t.op() == Op.DELETE
        ? fold.isEmpty()
        : fold.size() == nodes.size()
            && fold.values().stream().allMatch(h -> Objects.equals(h, t.hash()))) {
      exactness.reached();
    }
  }

  @Override
  public void trigger(Op op, int rep) {
    String name = NewDesignFleet.changeName(rep);
    String cmName = RenderedProfileConfigMap.nameFor(profileNamespace, name);
    ConfigMap cm =
        op == Op.DELETE
            ? null
            : FleetBenchmark.rendered(
                operatorNamespace, profileNamespace, name, op == Op.CREATE ? rep : 500 + rep);
    String hash = cm == null ? null : RenderedProfileConfigMap.contentHash(cm).orElseThrow();
    Target t = new Target(op, profileNamespace + "/" + name, hash);
    synchronized (this) {
      target = t;
      fold.clear();
      exactness.reset();
      reports.getStore().list().forEach(this::fold);
    }
    watchedConfigMap = cmName;
    publishSeen = 0;
    switch (op) {
      case CREATE -> admin.resource(cm).create();
      case UPDATE -> admin.resource(cm).update();
      case DELETE -> admin.configMaps().inNamespace(operatorNamespace).withName(cmName).delete();
    }
  }

  @Override
  public long awaitExact(Duration timeout) throws Exception {
    return exactness.await(timeout, "TODAY " + target);
  }

  @Override
  public long publishSeen() {
    return publishSeen;
  }

  @Override
  public boolean quiet() {
    return debouncer.idle();
  }

  @Override
  public Tally tally() {
    return tally;
  }

  @Override
  public WatchCount watched() {
    return watched;
  }

  @Override
  public FleetDesign.ReportObjects reportObjects(KubernetesClient client) {
    return FleetBenchmark.objects(client, BenchReports.GROUP + "/v1alpha1", "LegacyNodeReport");
  }

  /** The JSON bytes one profile adds to a report: its entry and a comma. */
  double entryJsonBytes() {
    List<FailedProfile> list = new ArrayList<>();
    installed.forEach(
        (key, hash) -> {
          int slash = key.indexOf('/');
          list.add(
              new FailedProfile(key.substring(0, slash), key.substring(slash + 1), hash, null));
        });
    return list.isEmpty() ? 0 : (json(list) - 1.0) / list.size();
  }

  long writeFailures() {
    return debouncer.failures();
  }

  @Override
  public void close() {
    if (configMaps != null) {
      configMaps.stop();
    }
    if (reports != null) {
      reports.stop();
    }
  }
}
