package dev.leastprivilege.controller;

import java.util.Map;
import java.util.UUID;

/**
 * How the operator runs.
 *
 * @param namespace its own namespace: rendered-profile ConfigMaps, the leader Lease and events about them live there
 * @param leaderElection whether replicas elect a leader (reconcilers run only on the leader)
 * @param serverSideApply whether to patch status with server-side apply. Off by default: on Kubernetes 1.20, where
 *     it is still beta, our status patches did not land (409 conflicts, then nothing), while merge patches work on
 *     every version and on the in-memory API server of {@code lpo local}
 * @param identity this replica's name in the leader Lease (the pod name in a cluster)
 * @param exitOnLostLeadership exit the process when it stops leading, so Kubernetes restarts it as a follower
 * @param podRecount how often profiles and policies that select pods count the running pods again (pods are
 *     listed, not watched, so a pod created after the last count shows up in status at the next one)
 */
public record OperatorSettings(String namespace, boolean leaderElection, boolean serverSideApply, String identity,
    boolean exitOnLostLeadership, java.time.Duration podRecount) {
  public static final java.time.Duration DEFAULT_POD_RECOUNT = java.time.Duration.ofSeconds(60);
  public static final String DEFAULT_NAMESPACE = "least-privilege-system";
  public static final String LEASE_NAME = "least-privilege-operator";

  public OperatorSettings(String namespace, boolean leaderElection, boolean serverSideApply) {
    this(namespace, leaderElection, serverSideApply, defaultIdentity(System.getenv()), true);
  }

  public OperatorSettings(String namespace, boolean leaderElection, boolean serverSideApply, String identity,
      boolean exitOnLostLeadership) {
    this(namespace, leaderElection, serverSideApply, identity, exitOnLostLeadership, DEFAULT_POD_RECOUNT);
  }

  public OperatorSettings withPodRecount(java.time.Duration interval) {
    return new OperatorSettings(namespace, leaderElection, serverSideApply, identity, exitOnLostLeadership, interval);
  }

  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    return new OperatorSettings(env.getOrDefault("LPO_NAMESPACE", DEFAULT_NAMESPACE),
        Boolean.parseBoolean(env.getOrDefault("LPO_LEADER_ELECTION", "true")),
        Boolean.parseBoolean(env.getOrDefault("LPO_SERVER_SIDE_APPLY", "false")), defaultIdentity(env), true,
        java.time.Duration.ofSeconds(Long.parseLong(env.getOrDefault("LPO_POD_RECOUNT_SECONDS", "60"))));
  }

  private static String defaultIdentity(Map<String, String> env) {
    String host = env.get("HOSTNAME");
    return host == null || host.isBlank() ? "lpo-" + UUID.randomUUID() : host;
  }
}
