package dev.leastprivilege.controller;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * How the operator runs.
 *
 * @param namespace its own namespace: rendered-profile ConfigMaps, the leader Lease and events
 *     about them live there
 * @param leaderElection whether replicas elect a leader (reconcilers run only on the leader)
 * @param serverSideApply whether to patch status with server-side apply. Off by default: on
 *     Kubernetes 1.20, where it is still beta, our status patches did not land (409 conflicts, then
 *     nothing), while merge patches work on every version and on the in-memory API server of {@code
 *     lpo local}
 * @param identity this replica's name in the leader Lease (the pod name in a cluster)
 * @param exitOnLostLeadership exit the process when it stops leading, so Kubernetes restarts it as
 *     a follower
 * @param podRecount how often profiles and policies that select pods count the running pods again
 *     (pods are listed, not watched, so a pod created after the last count shows up in status at
 *     the next one)
 * @param healthPort the port of /healthz, /readyz and /metrics; 0 picks a free one, {@link
 *     #NO_HEALTH_PORT} serves none (lpo local, and tests that do not probe it)
 */
public record OperatorSettings(
    String namespace,
    boolean leaderElection,
    boolean serverSideApply,
    String identity,
    boolean exitOnLostLeadership,
    Duration podRecount,
    int healthPort) {
  public static final Duration DEFAULT_POD_RECOUNT = Duration.ofSeconds(60);
  public static final String DEFAULT_NAMESPACE = "least-privilege-system";
  public static final String LEASE_NAME = "least-privilege-operator";

  /** HEALTH_PORT's default; the chart's probes use it. */
  public static final int DEFAULT_HEALTH_PORT = 8081;

  /**
   * Every informer of the operator lists in pages of this many objects. One unpaged list of 20,000
   * profiles took longer than the client's 10-second request timeout on a busy API server, and an
   * informer that re-lists after a broken watch then retried that list forever, reconciling
   * nothing. A page is one short request.
   */
  public static final long LIST_PAGE = 500;

  public static final int NO_HEALTH_PORT = -1;

  /**
   * The Lease timings: client-go's defaults, which kube-controller-manager uses and JOSDK copies. A
   * leader that dies is replaced within about {@link #LEASE_DURATION}; one that cannot renew for
   * {@link #RENEW_DEADLINE} stops leading before another can take over; followers try every {@link
   * #RETRY_PERIOD}.
   */
  public static final Duration LEASE_DURATION =
      LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE;

  public static final Duration RENEW_DEADLINE =
      LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE;
  public static final Duration RETRY_PERIOD =
      LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE;

  public OperatorSettings(String namespace, boolean leaderElection, boolean serverSideApply) {
    this(namespace, leaderElection, serverSideApply, defaultIdentity(System.getenv()), true);
  }

  public OperatorSettings(
      String namespace,
      boolean leaderElection,
      boolean serverSideApply,
      String identity,
      boolean exitOnLostLeadership) {
    this(
        namespace,
        leaderElection,
        serverSideApply,
        identity,
        exitOnLostLeadership,
        DEFAULT_POD_RECOUNT,
        NO_HEALTH_PORT);
  }

  public OperatorSettings withPodRecount(Duration interval) {
    return new OperatorSettings(
        namespace,
        leaderElection,
        serverSideApply,
        identity,
        exitOnLostLeadership,
        interval,
        healthPort);
  }

  public OperatorSettings withHealthPort(int port) {
    return new OperatorSettings(
        namespace,
        leaderElection,
        serverSideApply,
        identity,
        exitOnLostLeadership,
        podRecount,
        port);
  }

  /**
   * From the Deployment's environment: LPO_NAMESPACE, LPO_LEADER_ELECTION, LPO_SERVER_SIDE_APPLY,
   * LPO_POD_RECOUNT_SECONDS, HEALTH_PORT, and HOSTNAME for the identity.
   */
  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    return new OperatorSettings(
        env.getOrDefault("LPO_NAMESPACE", DEFAULT_NAMESPACE),
        Boolean.parseBoolean(env.getOrDefault("LPO_LEADER_ELECTION", "true")),
        Boolean.parseBoolean(env.getOrDefault("LPO_SERVER_SIDE_APPLY", "false")),
        defaultIdentity(env),
        true,
        Duration.ofSeconds(
            Long.parseLong(
                env.getOrDefault(
                    "LPO_POD_RECOUNT_SECONDS", String.valueOf(DEFAULT_POD_RECOUNT.toSeconds())))),
        Integer.parseInt(env.getOrDefault("HEALTH_PORT", String.valueOf(DEFAULT_HEALTH_PORT))));
  }

  /** The Lease the replicas compete for, in the operator's namespace. */
  public LeaderElectionConfiguration leaderElectionConfiguration() {
    return new LeaderElectionConfiguration(
        LEASE_NAME,
        namespace,
        LEASE_DURATION,
        RENEW_DEADLINE,
        RETRY_PERIOD,
        identity,
        null,
        exitOnLostLeadership);
  }

  private static String defaultIdentity(Map<String, String> env) {
    String host = env.get("HOSTNAME");
    return host == null || host.isBlank() ? "lpo-" + UUID.randomUUID() : host;
  }
}
