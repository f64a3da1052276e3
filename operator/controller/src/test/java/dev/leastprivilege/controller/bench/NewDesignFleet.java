package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.NodeProfileStatus;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusSpec;
import dev.leastprivilege.api.v1alpha1.NodeProfileStatusStatus;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileStatus;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Design NEW: the real operator, and N simulated agents that write their NodeProfileStatus exactly
 * as the agent's NodeStatusReporter does (one JSON merge patch of the status per debounced batch,
 * the object created the first time), with {@code appliedRevision} the shared ConfigMap informer's
 * last synced resourceVersion. They write no files. The state is exact when the SeccompProfile's
 * own status says Installed on N of N nodes with the new content hash, or when it is gone.
 */
final class NewDesignFleet implements FleetDesign {
  private final KubernetesClient reporter;
  private final KubernetesClient nodeWatch;
  private final KubernetesClient admin;
  private final String operatorNamespace;
  private final String profileNamespace;
  private final List<String> nodes;
  private final Debouncer debouncer;
  private final Tally tally = new Tally();
  private final AtomicInteger profiles = new AtomicInteger();
  private final AtomicIntegerArray written;
  private final Exactness exactness = new Exactness();
  private final KubernetesClient watcher;
  private final WatchCount watched;
  private SharedIndexInformer<NodeProfileStatus> reports;
  private SharedIndexInformer<ConfigMap> configMaps;
  private SharedIndexInformer<SeccompProfile> seccompProfiles;

  private record Target(FleetDesign.Op op, String name, String previousHash) {}

  private volatile Target target;
  private volatile String watchedConfigMap;
  private volatile long publishSeen;

  NewDesignFleet(
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
    this.watched = new WatchCount(watcher.getKubernetesSerialization());
    this.admin = admin;
    this.operatorNamespace = operatorNamespace;
    this.profileNamespace = profileNamespace;
    this.nodes = nodes;
    this.written = new AtomicIntegerArray(nodes.size());
    this.debouncer = new Debouncer(pool, nodes.size(), 200, this::write);
  }

  @Override
  public String name() {
    return "NEW";
  }

  @Override
  public String reportResource() {
    return "nodeprofilestatuses";
  }

  @Override
  public String reportKind() {
    return NodeProfileStatus.KIND;
  }

  @Override
  public void start() throws Exception {
    // The same watch as the operator's on the reports, with its own connection, to count it alone.
    reports =
        watcher
            .resources(NodeProfileStatus.class)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(NodeProfileStatus r) {
                    watched.added(r);
                  }

                  @Override
                  public void onUpdate(NodeProfileStatus old, NodeProfileStatus r) {
                    watched.modified(r);
                  }

                  @Override
                  public void onDelete(NodeProfileStatus r, boolean unknown) {
                    watched.deleted(r);
                  }
                },
                0);
    seccompProfiles =
        admin
            .resources(SeccompProfile.class)
            .inNamespace(profileNamespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SeccompProfile p) {
                    check(p);
                  }

                  @Override
                  public void onUpdate(SeccompProfile old, SeccompProfile p) {
                    check(p);
                  }

                  @Override
                  public void onDelete(SeccompProfile p, boolean unknown) {
                    Target t = target;
                    if (t != null
                        && t.op() == Op.DELETE
                        && t.name().equals(p.getMetadata().getName())) {
                      exactness.reached();
                    }
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
                    profiles.addAndGet(counts(cm));
                    seen(cm);
                  }

                  @Override
                  public void onUpdate(ConfigMap old, ConfigMap cm) {
                    profiles.addAndGet(counts(cm) - counts(old));
                    seen(cm);
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean unknown) {
                    profiles.addAndGet(-counts(cm));
                    // As the agent's store: the deletion of a tombstone changes nothing on the node
                    // and costs no report.
                    if (!RenderedProfileConfigMap.isTombstone(cm)) {
                      seen(cm);
                    }
                  }
                },
                0);
    // Each node reports what the initial list gave it; wait until all have written once.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!allWritten() || !debouncer.idle()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the simulated agents did not all report");
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

  /** A ConfigMap that is not a tombstone is a profile file on every node. */
  private static int counts(ConfigMap cm) {
    return RenderedProfileConfigMap.isTombstone(cm) ? 0 : 1;
  }

  private void seen(ConfigMap cm) {
    if (publishSeen == 0 && cm.getMetadata().getName().equals(watchedConfigMap)) {
      publishSeen = System.nanoTime();
    }
    debouncer.changedAll();
  }

  /** NodeStatusReporter.write, for node i. */
  private void write(int i) {
    NodeProfileStatusStatus status = new NodeProfileStatusStatus();
    status.setAppliedRevision(configMaps.lastSyncResourceVersion());
    status.setProfiles(profiles.get());
    status.setFailed(new ArrayList<>());
    status.setFailedCount(0);
    status.setLastSyncTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    NodeProfileStatus object = new NodeProfileStatus();
    object.setMetadata(new ObjectMetaBuilder().withName(nodes.get(i)).build());
    object.setStatus(status);
    try {
      patchStatus(object);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      NodeProfileStatusSpec spec = new NodeProfileStatusSpec();
      spec.setNodeName(nodes.get(i));
      NodeProfileStatus fresh = new NodeProfileStatus();
      fresh.setMetadata(new ObjectMetaBuilder().withName(nodes.get(i)).build());
      fresh.setSpec(spec);
      tally.count("POST nodeprofilestatuses", json(fresh));
      reporter.resource(fresh).create();
      patchStatus(object);
    }
    written.set(i, 1);
  }

  private void patchStatus(NodeProfileStatus object) {
    tally.count("PATCH nodeprofilestatuses/status", json(object));
    reporter.resource(object).patchStatus();
  }

  private long json(Object o) {
    return reporter.getKubernetesSerialization().asJson(o).length();
  }

  static String changeName(int rep) {
    return "change-" + rep;
  }

  @Override
  public void trigger(Op op, int rep) {
    String name = changeName(rep);
    var profilesOf = admin.resources(SeccompProfile.class).inNamespace(profileNamespace);
    String previous = null;
    if (op != Op.CREATE) {
      SeccompProfile p = seccompProfiles.getStore().getByKey(profileNamespace + "/" + name);
      previous = p == null || p.getStatus() == null ? null : p.getStatus().getContentHash();
    }
    target = new Target(op, name, previous);
    watchedConfigMap = RenderedProfileConfigMap.nameFor(profileNamespace, name);
    publishSeen = 0;
    exactness.reset();
    switch (op) {
      case CREATE ->
          profilesOf.resource(ScaleBenchmark.profile(profileNamespace, name, rep)).create();
      case UPDATE -> {
        SeccompProfile changed = ScaleBenchmark.profile(profileNamespace, name, 500 + rep);
        profilesOf
            .withName(name)
            .edit(
                p -> {
                  p.setSpec(changed.getSpec());
                  return p;
                });
      }
      case DELETE -> profilesOf.withName(name).delete();
    }
  }

  private void check(SeccompProfile p) {
    Target t = target;
    if (t == null || t.op() == Op.DELETE || !t.name().equals(p.getMetadata().getName())) {
      return;
    }
    SeccompProfileStatus s = p.getStatus();
    if (s != null
        && Objects.equals(s.getObservedGeneration(), p.getMetadata().getGeneration())
        && s.getPhase() == ProfilePhase.Installed
        && s.getNodes() != null
        && s.getNodes().getInstalled() == nodes.size()
        && s.getNodes().getDesired() == nodes.size()
        && s.getContentHash() != null
        && !s.getContentHash().equals(t.previousHash())) {
      exactness.reached();
    }
  }

  @Override
  public long awaitExact(Duration timeout) throws Exception {
    return exactness.await(timeout, "NEW " + target);
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
    return FleetBenchmark.objects(client, "leastprivilege.dev/v1alpha1", NodeProfileStatus.KIND);
  }

  /** Stops the simulated agents; their objects stay. */
  @Override
  public void close() {
    if (configMaps != null) {
      configMaps.stop();
    }
    if (seccompProfiles != null) {
      seccompProfiles.stop();
    }
    if (reports != null) {
      reports.stop();
    }
  }

  long writeFailures() {
    return debouncer.failures();
  }
}
