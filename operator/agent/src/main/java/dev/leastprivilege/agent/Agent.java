package dev.leastprivilege.agent;

import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.HashSet;
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
 * <p>Changes are applied by the informer's store as they arrive, in the order the API server's
 * watch delivers them ({@link PublishedProfiles}, {@link ProfileApplier}); reports, retries and the
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
   * The informer lists in pages of this many ConfigMaps: with the store applying each page as it
   * comes, this bounds the file contents in memory at once (a page of 100 profiles of 10 KiB is 1
   * MiB).
   */
  static final long LIST_PAGE = 100;

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
  private final ProfileApplier applier;
  private final PublishedProfiles published;
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
    this.applier =
        new ProfileApplier(
            directory,
            () -> executor.execute(this::changed),
            (ref, name) ->
                executor.schedule(() -> retry(ref, name), RETRY_SECONDS, TimeUnit.SECONDS));
    this.published = new PublishedProfiles(applier);
    this.reporter =
        new NodeStatusReporter(
            client, config, executor, () -> applier.report(informer.lastSyncResourceVersion()));
  }

  /**
   * Starts watching (which writes every published profile), then removes the files of profiles that
   * no longer exist (a profile deleted while the agent was down) before reporting ready: see {@link
   * ProfileApplier#collectGarbage}.
   */
  public void start() throws Exception {
    informer =
        client
            .configMaps()
            .inNamespace(config.namespace())
            .withLabelSelector(RenderedProfileConfigMap.SELECTOR)
            .withLimit(LIST_PAGE)
            .runnableInformer(0);
    informer.itemStore(published);
    // Whatever goes wrong in a list or a watch (an exception in the store included), list again:
    // the default gives up on some errors, which would leave the node's report frozen.
    informer.exceptionHandler((started, error) -> true);
    informer.start().toCompletableFuture().get(2, TimeUnit.MINUTES);
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
      String next = null;
      do {
        KubernetesResourceList<SeccompProfile> page =
            client
                .resources(SeccompProfile.class)
                .inNamespace(namespace)
                .list(new ListOptionsBuilder().withLimit(LIST_PAGE).withContinue(next).build());
        page.getItems()
            .forEach(
                p -> files.add(new ProfileRef(namespace, p.getMetadata().getName()).fileName()));
        next = page.getMetadata() == null ? null : page.getMetadata().getContinue();
      } while (next != null && !next.isEmpty());
      return Optional.of(files);
    } catch (RuntimeException e) {
      LOG.warn("could not read the SeccompProfiles of {}: {}", namespace, e.getMessage());
      return Optional.empty();
    }
  }

  public boolean isReady() {
    return ready && informer != null && informer.isRunning();
  }

  /** False once the informer, after starting, has stopped: the report can no longer move on. */
  public boolean isWatching() {
    return informer == null || !ready || informer.isRunning();
  }

  private void changed() {
    if (informer != null) {
      reporter.changed();
    }
  }

  /** Tries a failed change again, reading the ConfigMap's content from the API server. */
  private void retry(ProfileRef ref, String configMapName) {
    try {
      applier.retry(
          ref,
          configMapName,
          () -> Optional.ofNullable(published.get(config.namespace() + "/" + configMapName)),
          () -> client.configMaps().inNamespace(config.namespace()).withName(configMapName).get());
    } catch (RuntimeException e) {
      LOG.warn("could not read ConfigMap {} to retry it: {}", configMapName, e.getMessage());
      executor.schedule(() -> retry(ref, configMapName), RETRY_SECONDS, TimeUnit.SECONDS);
    }
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
