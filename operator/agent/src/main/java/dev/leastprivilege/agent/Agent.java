package dev.leastprivilege.agent;

import dev.leastprivilege.api.v1alpha1.InstalledProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's profile files equal to the rendered-profile ConfigMaps, and reports what it
 * has.
 *
 * <p>All file work and bookkeeping runs on one thread, in the order events arrive, so there are no
 * races between an update and a delete of the same profile.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /**
   * A failed write (a full disk, say) is tried again this often until it succeeds or the profile
   * goes.
   */
  static final long RETRY_SECONDS = 5;

  private final KubernetesClient client;
  private final AgentConfig config;
  private final ProfileDirectory directory;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lpo-agent");
            t.setDaemon(true);
            return t;
          });
  private final Map<ProfileRef, String> installed =
      new TreeMap<>(Comparator.comparing(ProfileRef::toString));
  private final Map<ProfileRef, InstalledProfile> failed =
      new TreeMap<>(Comparator.comparing(ProfileRef::toString));
  private final NodeStatusReporter reporter;
  private SharedIndexInformer<ConfigMap> informer;
  private volatile boolean ready;

  public Agent(KubernetesClient client, AgentConfig config) {
    this(client, config, new ProfileDirectory(config.seccompRoot()));
  }

  Agent(KubernetesClient client, AgentConfig config, ProfileDirectory directory) {
    this.client = client;
    this.config = config;
    this.directory = directory;
    this.reporter = new NodeStatusReporter(client, config, executor, this::report);
  }

  /**
   * Starts watching, then makes the whole directory match what is published (removing orphans a
   * previous run or a deleted profile left) before reporting ready.
   */
  public void start() throws Exception {
    informer =
        client
            .configMaps()
            .inNamespace(config.namespace())
            .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
            .runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            executor.execute(() -> apply(cm));
          }

          @Override
          public void onUpdate(ConfigMap old, ConfigMap cm) {
            executor.execute(() -> apply(cm));
          }

          @Override
          public void onDelete(ConfigMap cm, boolean unknownFinalState) {
            executor.execute(
                () ->
                    RenderedProfileConfigMap.identity(cm)
                        .ifPresent(c -> remove(new ProfileRef(c.namespace(), c.name()))));
          }
        });
    informer.start().toCompletableFuture().get(2, TimeUnit.MINUTES);
    executor.submit(this::fullSync).get();
    ready = true;
    LOG.info(
        "agent ready on node {}: {} profiles under {}",
        config.nodeName(),
        installed.size(),
        directory.root());
  }

  public boolean isReady() {
    return ready && informer != null && informer.isRunning();
  }

  private void fullSync() {
    Set<ProfileRef> keep = new HashSet<>();
    for (ConfigMap cm : informer.getStore().list()) {
      RenderedProfileConfigMap.identity(cm)
          .ifPresent(c -> keep.add(new ProfileRef(c.namespace(), c.name())));
      apply(cm);
    }
    try {
      for (ProfileRef orphan : directory.collectGarbage(keep)) {
        LOG.info("removed {}: no published profile has it any more", orphan.localhostProfile());
      }
    } catch (IOException e) {
      LOG.error("could not clean up {}: {}", directory.root(), e.getMessage());
    }
    reporter.changed();
  }

  private void apply(ConfigMap cm) {
    Optional<RenderedProfileConfigMap.Content> content = RenderedProfileConfigMap.read(cm);
    if (content.isEmpty()) {
      LOG.warn(
          "ignoring ConfigMap {}: it has the rendered-profile label but not the annotations and data the"
              + " operator writes",
          cm.getMetadata().getName());
      return;
    }
    RenderedProfileConfigMap.Content c = content.get();
    ProfileRef ref = new ProfileRef(c.namespace(), c.name());
    String actual = ContentHash.of(c.json());
    if (!actual.equals(c.contentHash())) {
      fail(
          ref,
          c.contentHash(),
          "content does not match its hash (" + actual + "); the old file is kept");
      return;
    }
    try {
      if (directory.write(ref, c.json())) {
        LOG.info("installed {} ({})", ref.localhostProfile(), c.contentHash());
      }
      installed.put(ref, c.contentHash());
      failed.remove(ref);
    } catch (IOException e) {
      fail(
          ref,
          c.contentHash(),
          "could not write "
              + ref.localhostProfile()
              + ": "
              + describe(e)
              + "; the old file is kept");
      String name = cm.getMetadata().getName();
      executor.schedule(() -> retry(name, c.contentHash()), RETRY_SECONDS, TimeUnit.SECONDS);
    }
    reporter.changed();
  }

  /** Tries a failed write again, if that ConfigMap still asks for the same content. */
  private void retry(String configMapName, String hash) {
    ConfigMap latest = informer.getStore().getByKey(config.namespace() + "/" + configMapName);
    if (latest != null
        && RenderedProfileConfigMap.contentHash(latest).map(hash::equals).orElse(false)) {
      apply(latest);
    }
  }

  private void fail(ProfileRef ref, String hash, String message) {
    LOG.error("{}: {}", ref, message);
    failed.put(ref, new InstalledProfile(ref.namespace(), ref.name(), hash, message));
    reporter.changed();
  }

  private void remove(ProfileRef ref) {
    try {
      if (directory.remove(ref)) {
        LOG.info("removed {}", ref.localhostProfile());
      }
      installed.remove(ref);
      failed.remove(ref);
    } catch (IOException e) {
      fail(
          ref,
          installed.get(ref),
          "could not remove " + ref.localhostProfile() + ": " + describe(e));
    }
    reporter.changed();
  }

  private NodeStatusReporter.Report report() {
    List<InstalledProfile> ok =
        installed.entrySet().stream()
            .map(
                e ->
                    new InstalledProfile(
                        e.getKey().namespace(), e.getKey().name(), e.getValue(), null))
            .toList();
    return new NodeStatusReporter.Report(ok, List.copyOf(failed.values()));
  }

  /**
   * An IOException's message names the file but not always the cause ("No space left on device"):
   * keep both.
   */
  private static String describe(IOException e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return e.getClass().getSimpleName().equals("IOException")
        ? m
        : e.getClass().getSimpleName() + ": " + m;
  }

  @Override
  public void close() {
    ready = false;
    if (informer != null) {
      informer.stop();
    }
    executor.shutdown();
  }
}
