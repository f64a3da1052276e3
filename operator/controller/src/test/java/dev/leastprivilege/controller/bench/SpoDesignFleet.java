package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.controller.bench.BenchReports.NodeSpec;
import dev.leastprivilege.controller.bench.BenchReports.SpoNodeStatus;
import dev.leastprivilege.controller.bench.BenchReports.SpoStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Design SPO: one report object per profile per node, written the way the Security Profiles
 * Operator's daemon writes its SecurityProfileNodeStatus. Each simulated node is a small controller
 * on the profiles (one shared informer stands for every daemon's cache), and per profile and node:
 *
 * <ul>
 *   <li>create: adds its finalizer {@code <node>-deleted} to the profile (an update of the whole
 *       profile; the first node also adds the profile-id label, a second update), creates the
 *       status object {@code <profile>-<node>} (the API server drops the status on create) and sets
 *       it to Pending (a status update); on its next reconcile, with the file written, sets the
 *       state label and then the status to Installed (an update and a status update): five writes;
 *   <li>update: writes the file; the status already says Installed, so nothing is written;
 *   <li>delete (the profile gets a deletion time stamp; it has every node's finalizer): sets the
 *       state label and the status to Terminating (two writes) and asks to be reconciled again 10 s
 *       later, as SPO's daemon does; then removes the file, its finalizer from the profile (an
 *       update) and deletes the status object: four writes.
 * </ul>
 *
 * Every read is from a cache, as in SPO, so reads cost no request. One difference makes these
 * figures a lower bound: SPO's nodes update the one profile object concurrently from their caches
 * and retry on conflicts; here the updates of one profile are made one after the other from the
 * latest version, so there are no conflicts and no retries. A watcher with its own informer on the
 * status objects (as SPO's manager has) says a change is exact when N objects of the profile say
 * Installed, or when none is left. After an update it cannot tell: the objects carry no content
 * hash.
 */
final class SpoDesignFleet implements FleetDesign {
  static final String PROFILE_ID = "spo.x-k8s.io/profile-id";
  static final String NODE_NAME = "spo.x-k8s.io/node-name";
  static final String STATE = "spo.x-k8s.io/profile-state";
  static final String KIND = "spo.x-k8s.io/profile-kind";
  static final long REQUEUE_SECONDS = 10;

  private final KubernetesClient reporter;
  private final KubernetesClient nodeWatch;
  private final KubernetesClient watcher;
  private final KubernetesClient admin;
  private final String namespace;
  private final List<String> nodes;
  private final ScheduledExecutorService pool;
  private final Tally tally = new Tally();
  private final AtomicInteger pending = new AtomicInteger();
  private final Exactness exactness = new Exactness();
  private final AtomicInteger requeues = new AtomicInteger();
  private final WatchCount watched;

  /** What one node knows of its own status object for one profile. */
  private static final class Local {
    SpoNodeStatus object;
    String state;
  }

  private final Map<String, Local> local = new ConcurrentHashMap<>();
  private final Map<String, AtomicBoolean> queued = new ConcurrentHashMap<>();
  private final Map<String, Object> lanes = new ConcurrentHashMap<>();
  private final Map<String, SeccompProfile> lastWritten = new ConcurrentHashMap<>();

  /** Size of a profile update against the number of finalizers it carries. */
  private final LineFit fit = new LineFit();

  /** The watcher's fold of the changing profile: node to status. */
  private final Map<String, String> fold = new ConcurrentHashMap<>();

  private SharedIndexInformer<SeccompProfile> profiles;
  private SharedIndexInformer<SpoNodeStatus> statuses;

  private record Target(Op op, String name) {}

  private volatile Target target;
  private volatile long publishSeen;

  SpoDesignFleet(
      KubernetesClient reporter,
      KubernetesClient nodeWatch,
      KubernetesClient watcher,
      KubernetesClient admin,
      String namespace,
      List<String> nodes,
      ScheduledExecutorService pool) {
    this.reporter = reporter;
    this.nodeWatch = nodeWatch;
    this.watcher = watcher;
    this.admin = admin;
    this.namespace = namespace;
    this.nodes = nodes;
    this.pool = pool;
    this.watched = new WatchCount(watcher.getKubernetesSerialization());
  }

  @Override
  public String name() {
    return "SPO";
  }

  @Override
  public String reportResource() {
    return "securityprofilenodestatuses";
  }

  @Override
  public String reportKind() {
    return "SecurityProfileNodeStatus";
  }

  static String profileId(String profile) {
    return "SeccompProfile-" + profile;
  }

  static String finalizer(String node) {
    return node + "-deleted";
  }

  /**
   * Writes the installed state of {@code count} profiles directly (not through the simulated nodes,
   * and not measured): each profile with every node's finalizer and the profile-id label, and N
   * status objects that say Installed.
   */
  void prepopulate(int count, ExecutorService writers) throws Exception {
    List<String> finalizers = nodes.stream().map(SpoDesignFleet::finalizer).toList();
    List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      String name = String.format("app-profile-%05d", p);
      SeccompProfile profile = ScaleBenchmark.profile(namespace, name, p);
      profile.getMetadata().setFinalizers(finalizers);
      profile.getMetadata().setLabels(Map.of(PROFILE_ID, profileId(name)));
      SeccompProfile created = admin.resource(profile).create();
      for (int i = 0; i < nodes.size(); i++) {
        int node = i;
        futures.add(
            writers.submit(
                () -> {
                  SpoNodeStatus s = statusObject(node, created, "Installed");
                  SpoNodeStatus out = admin.resource(s).create();
                  out.setStatus(new SpoStatus("Installed"));
                  Local l = local(node, name);
                  l.object = admin.resource(out).updateStatus();
                  l.state = "Installed";
                  return null;
                }));
      }
    }
    for (var f : futures) {
      f.get();
    }
  }

  @Override
  public void start() throws Exception {
    statuses =
        watcher
            .resources(SpoNodeStatus.class)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SpoNodeStatus s) {
                    watched.added(s);
                    fold(s, false);
                  }

                  @Override
                  public void onUpdate(SpoNodeStatus old, SpoNodeStatus s) {
                    watched.modified(s);
                    fold(s, false);
                  }

                  @Override
                  public void onDelete(SpoNodeStatus s, boolean unknown) {
                    watched.deleted(s);
                    fold(s, true);
                  }
                },
                0);
    profiles =
        nodeWatch
            .resources(SeccompProfile.class)
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(SeccompProfile p) {
                    changed(p);
                  }

                  @Override
                  public void onUpdate(SeccompProfile old, SeccompProfile p) {
                    changed(p);
                  }

                  @Override
                  public void onDelete(SeccompProfile p, boolean unknown) {
                    changed(p);
                  }
                },
                0);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    do {
      Thread.sleep(500);
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the simulated SPO daemons did not settle");
      }
    } while (!quiet());
  }

  private void changed(SeccompProfile p) {
    Target t = target;
    if (publishSeen == 0 && t != null && t.name().equals(p.getMetadata().getName())) {
      publishSeen = System.nanoTime();
    }
    for (int i = 0; i < nodes.size(); i++) {
      enqueue(i, p.getMetadata().getName());
    }
  }

  /** A work queue per node, as controller-runtime's: a key waits at most once. */
  private void enqueue(int node, String profile) {
    AtomicBoolean q = queued.computeIfAbsent(node + "/" + profile, k -> new AtomicBoolean());
    if (q.compareAndSet(false, true)) {
      pending.incrementAndGet();
      pool.execute(
          () -> {
            try {
              Local l = local(node, profile);
              synchronized (l) {
                q.set(false);
                reconcile(node, profile, l);
              }
            } catch (RuntimeException e) {
              tally.count("reconcile error (requeued): " + e.getClass().getSimpleName(), 0);
              pool.schedule(() -> enqueue(node, profile), 1, TimeUnit.SECONDS);
            } finally {
              pending.decrementAndGet();
            }
          });
    }
  }

  /** SPO's {@code RequeueAfter: 10s}. */
  private void requeueLater(int node, String profile) {
    requeues.incrementAndGet();
    pool.schedule(
        () -> {
          requeues.decrementAndGet();
          enqueue(node, profile);
        },
        REQUEUE_SECONDS,
        TimeUnit.SECONDS);
  }

  private Local local(int node, String profile) {
    return local.computeIfAbsent(node + "/" + profile, k -> new Local());
  }

  /** SPO daemon's reconcile of one profile on one node, as far as its writes go. */
  private void reconcile(int node, String name, Local l) {
    SeccompProfile p = profiles.getStore().getByKey(namespace + "/" + name);
    if (p == null) {
      return;
    }
    String finalizer = finalizer(nodes.get(node));
    boolean hasFinalizer = hasFinalizer(name, finalizer);
    if (p.getMetadata().getDeletionTimestamp() != null) {
      if (hasFinalizer && l.object != null && !"Terminating".equals(l.state)) {
        setState(l, "Terminating");
        requeueLater(node, name);
        return;
      }
      // The file is removed here; then the finalizer and the status object go.
      updateProfile(
          name, "remove finalizer", q -> q.getMetadata().getFinalizers().remove(finalizer));
      if (l.object != null) {
        tally.count("DELETE securityprofilenodestatuses", 0);
        reporter.resources(SpoNodeStatus.class).withName(l.object.getMetadata().getName()).delete();
        l.object = null;
        l.state = null;
      }
      return;
    }
    if (!hasFinalizer || l.object == null) {
      updateProfile(
          name,
          "add finalizer",
          q ->
              !q.getMetadata().getFinalizers().contains(finalizer)
                  && q.getMetadata().getFinalizers().add(finalizer));
      updateProfile(
          name,
          "add label",
          q -> {
            if (q.getMetadata().getLabels() != null
                && q.getMetadata().getLabels().containsKey(PROFILE_ID)) {
              return false;
            }
            Map<String, String> labels =
                new HashMap<>(
                    q.getMetadata().getLabels() == null ? Map.of() : q.getMetadata().getLabels());
            labels.put(PROFILE_ID, profileId(name));
            q.getMetadata().setLabels(labels);
            return true;
          });
      if (l.object == null) {
        SpoNodeStatus s = statusObject(node, p, "Pending");
        tally.count("POST securityprofilenodestatuses", json(s));
        SpoNodeStatus created = reporter.resource(s).create();
        created.setStatus(new SpoStatus("Pending"));
        tally.count("PUT securityprofilenodestatuses/status", json(created));
        l.object = reporter.resource(created).updateStatus();
        l.state = "Pending";
      }
      requeueLater(node, name);
      return;
    }
    // The file is written here.
    if (!"Installed".equals(l.state)) {
      setState(l, "Installed");
    }
  }

  /** SPO's SetNodeStatus: the state label (an update), then the status (a status update). */
  private void setState(Local l, String state) {
    SpoNodeStatus s = reporter.getKubernetesSerialization().clone(l.object);
    Map<String, String> labels = new HashMap<>(s.getMetadata().getLabels());
    labels.put(STATE, state);
    s.getMetadata().setLabels(labels);
    tally.count("PUT securityprofilenodestatuses", json(s));
    SpoNodeStatus updated = reporter.resource(s).update();
    updated.setStatus(new SpoStatus(state));
    tally.count("PUT securityprofilenodestatuses/status", json(updated));
    l.object = reporter.resource(updated).updateStatus();
    l.state = state;
  }

  /** The object SPO's daemon creates: cluster-scoped, named profile-node, owned by the profile. */
  private SpoNodeStatus statusObject(int node, SeccompProfile p, String state) {
    String profile = p.getMetadata().getName();
    SpoNodeStatus s = new SpoNodeStatus();
    s.setMetadata(
        new ObjectMetaBuilder()
            .withName(profile + "-" + nodes.get(node))
            .withLabels(
                Map.of(
                    PROFILE_ID,
                    profileId(profile),
                    NODE_NAME,
                    nodes.get(node),
                    STATE,
                    state,
                    KIND,
                    "SeccompProfile"))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(p.getApiVersion())
                    .withKind(p.getKind())
                    .withName(profile)
                    .withUid(p.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .build());
    NodeSpec spec = new NodeSpec();
    spec.setNodeName(nodes.get(node));
    s.setSpec(spec);
    s.setStatus(new SpoStatus(state));
    return s;
  }

  private boolean hasFinalizer(String name, String finalizer) {
    SeccompProfile p = latest(name);
    return p != null
        && p.getMetadata().getFinalizers() != null
        && p.getMetadata().getFinalizers().contains(finalizer);
  }

  /** The newer of the cache's copy and this fleet's last write of the profile. */
  private SeccompProfile latest(String name) {
    SeccompProfile cached = profiles.getStore().getByKey(namespace + "/" + name);
    SeccompProfile mine = lastWritten.get(name);
    if (cached == null || mine == null) {
      return cached;
    }
    return Long.parseLong(mine.getMetadata().getResourceVersion())
            > Long.parseLong(cached.getMetadata().getResourceVersion())
        ? mine
        : cached;
  }

  /**
   * An update of the whole profile object, made one after the other per profile from its latest
   * version (see the class comment).
   */
  private void updateProfile(String name, String why, Predicate<SeccompProfile> change) {
    synchronized (lanes.computeIfAbsent(name, k -> new Object())) {
      for (int attempt = 0; attempt < 50; attempt++) {
        SeccompProfile base = latest(name);
        if (base == null) {
          return;
        }
        SeccompProfile copy = reporter.getKubernetesSerialization().clone(base);
        if (copy.getMetadata().getFinalizers() == null) {
          copy.getMetadata().setFinalizers(new ArrayList<>());
        } else {
          copy.getMetadata().setFinalizers(new ArrayList<>(copy.getMetadata().getFinalizers()));
        }
        if (!change.test(copy)) {
          return;
        }
        long body = json(copy);
        tally.count("PUT seccompprofiles (" + why + ")", body);
        if (why.contains("finalizer")) {
          fit.add(copy.getMetadata().getFinalizers().size(), body);
        }
        try {
          lastWritten.put(name, reporter.resource(copy).update());
          return;
        } catch (KubernetesClientException e) {
          if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
            return;
          }
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
            throw e;
          }
          // Only the benchmark's own write of the profile can get in between: wait for the cache.
          tally.count("409 conflict on seccompprofiles", 0);
          try {
            Thread.sleep(50);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private long json(Object o) {
    return reporter.getKubernetesSerialization().asJson(o).length();
  }

  private synchronized void fold(SpoNodeStatus s, boolean deleted) {
    Target t = target;
    if (t == null
        || s.getMetadata().getLabels() == null
        || !profileId(t.name()).equals(s.getMetadata().getLabels().get(PROFILE_ID))) {
      return;
    }
    String node = s.getSpec() == null ? s.getMetadata().getName() : s.getSpec().getNodeName();
    if (deleted) {
      fold.remove(node);
    } else {
      fold.put(node, s.getStatus() == null ? "" : String.valueOf(s.getStatus().getStatus()));
    }
    boolean exact =
        switch (t.op()) {
          case CREATE ->
              fold.size() == nodes.size() && fold.values().stream().allMatch("Installed"::equals);
          case DELETE -> fold.isEmpty();
          case UPDATE -> false;
        };
    if (exact) {
      exactness.reached();
    }
  }

  @Override
  public void trigger(Op op, int rep) {
    String name = NewDesignFleet.changeName(rep);
    synchronized (this) {
      target = new Target(op, name);
      fold.clear();
      exactness.reset();
      statuses.getStore().list().forEach(s -> fold(s, false));
    }
    publishSeen = 0;
    var ops = admin.resources(SeccompProfile.class).inNamespace(namespace);
    switch (op) {
      case CREATE -> ops.resource(ScaleBenchmark.profile(namespace, name, rep)).create();
      case UPDATE -> {
        SeccompProfile changed = ScaleBenchmark.profile(namespace, name, 500 + rep);
        ops.withName(name)
            .edit(
                p -> {
                  p.setSpec(changed.getSpec());
                  return p;
                });
      }
      case DELETE -> ops.withName(name).delete();
    }
  }

  @Override
  public long awaitExact(Duration timeout) throws Exception {
    if (target.op() == Op.UPDATE) {
      return -1;
    }
    return exactness.await(timeout, "SPO " + target);
  }

  @Override
  public long publishSeen() {
    return publishSeen;
  }

  @Override
  public boolean quiet() {
    return pending.get() == 0 && requeues.get() == 0;
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
    return FleetBenchmark.objects(client, BenchReports.GROUP + "/v1", "SecurityProfileNodeStatus");
  }

  /**
   * Bytes of one update of the profile as a line in the number k of finalizers it carries: {@code
   * {fixed, per finalizer}}. Each finalizer also grows the profile's managed fields.
   */
  double[] profileUpdateFit() {
    return fit.fit();
  }

  @Override
  public void close() {
    if (profiles != null) {
      profiles.stop();
    }
    if (statuses != null) {
      statuses.stop();
    }
  }
}
