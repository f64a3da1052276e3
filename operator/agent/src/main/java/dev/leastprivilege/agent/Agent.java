package dev.leastprivilege.agent;

import dev.leastprivilege.agent.kube.KubeApi;
import dev.leastprivilege.agent.kube.KubeObjects;
import dev.leastprivilege.agent.kube.ListWatch;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's profile files equal to the rendered-profile ConfigMaps, and reports how far it
 * has got.
 *
 * <p>Changes are applied by the watch's store as they arrive, in the order the API server's watch
 * delivers them ({@link PublishedProfiles}, {@link ProfileApplier}); reports, retries and the
 * start-up clean-up run on one scheduler thread.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /**
   * A failed write (a full disk, say) is tried again this often until it succeeds or the profile
   * goes.
   */
  static final long RETRY_SECONDS = 5;

  /**
   * The agent lists from etcd in pages of this many objects. Each ConfigMap is applied as it is
   * read from the stream, so the page size does not bound memory; it bounds how long the API server
   * and etcd work on one request.
   */
  static final long LIST_PAGE = 100;

  private final KubeApi api;
  private final AgentConfig config;
  private final ProfileDirectory directory;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lpo-agent");
            t.setDaemon(true);
            return t;
          });
  private final ProfileApplier applier;
  private final PublishedProfiles published;
  private final NodeStatusReporter reporter;
  private final ListWatch<ConfigMap> watch;
  private volatile boolean ready;

  /** The agent owns {@code api}: closing the agent closes it. */
  public Agent(KubeApi api, AgentConfig config) {
    this(api, config, new ProfileDirectory(config.seccompRoot()));
  }

  Agent(KubeApi api, AgentConfig config, ProfileDirectory directory) {
    this.api = api;
    this.config = config;
    this.directory = directory;
    this.applier =
        new ProfileApplier(
            directory,
            () -> executor.execute(this::changed),
            (ref, name) ->
                executor.schedule(() -> retry(ref, name), RETRY_SECONDS, TimeUnit.SECONDS));
    this.published = new PublishedProfiles(applier);
    this.watch =
        new ListWatch<>(
            api,
            KubeApi.path(ConfigMap.class, config.namespace(), null),
            Map.of("labelSelector", RenderedProfileConfigMap.SELECTOR),
            LIST_PAGE,
            KubeObjects.CONFIG_MAP,
            published);
    this.reporter =
        new NodeStatusReporter(
            api, config, executor, () -> applier.report(watch.lastSyncResourceVersion()));
  }

  /**
   * Starts watching (which writes every published profile), then removes the files of profiles that
   * no longer exist (a profile deleted while the agent was down) before reporting ready: see {@link
   * ProfileApplier#collectGarbage}.
   */
  public void start() throws Exception {
    // Whatever goes wrong in a list or a watch (an exception in the store included), the watch
    // tries again: the node's report must not freeze.
    watch.start().get(2, TimeUnit.MINUTES);
    executor.submit(() -> applier.collectGarbage(this::existingProfileFiles)).get();
    executor.execute(this::changed);
    ready = true;
    LOG.info(
        "agent ready on node {}: {} profiles under {}",
        config.nodeName(),
        applier.installedCount(),
        directory.root());
  }

  /**
   * The file names of the SeccompProfiles of a namespace, read from the API server a page at a
   * time; empty when they cannot be read. Only the start-up clean-up asks, and only for namespaces
   * with a file no ConfigMap names.
   */
  private Optional<Set<String>> existingProfileFiles(String namespace) {
    try {
      Set<String> files = new HashSet<>();
      api.listAll(
          KubeApi.path(SeccompProfile.class, namespace, null),
          Map.of(),
          LIST_PAGE,
          KubeObjects.METADATA,
          meta -> files.add(new ProfileRef(namespace, meta.getName()).fileName()));
      return Optional.of(files);
    } catch (RuntimeException e) {
      LOG.warn("could not read the SeccompProfiles of {}: {}", namespace, e.getMessage());
      return Optional.empty();
    }
  }

  public boolean isReady() {
    return ready && watch.isRunning();
  }

  /** False once the watch, after starting, has stopped: the report can no longer move on. */
  public boolean isWatching() {
    return !ready || watch.isRunning();
  }

  private void changed() {
    reporter.changed();
  }

  /** Tries a failed change again, reading the ConfigMap's content from the API server. */
  private void retry(ProfileRef ref, String configMapName) {
    try {
      applier.retry(
          ref,
          configMapName,
          () -> Optional.ofNullable(published.get(config.namespace() + "/" + configMapName)),
          () ->
              api.get(
                      KubeApi.path(ConfigMap.class, config.namespace(), configMapName),
                      KubeObjects.CONFIG_MAP)
                  .orElse(null));
    } catch (RuntimeException e) {
      LOG.warn("could not read ConfigMap {} to retry it: {}", configMapName, e.getMessage());
      executor.schedule(() -> retry(ref, configMapName), RETRY_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    ready = false;
    watch.close();
    executor.shutdown();
    api.close();
  }
}
