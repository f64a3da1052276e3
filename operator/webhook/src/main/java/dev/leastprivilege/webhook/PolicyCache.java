package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.NamespacePolicies;

/**
 * What the webhook knows about a namespace, from memory: a pod CREATE never waits on the API server
 * (only kubectl debug on Kubernetes 1.20 and 1.21 does, through {@link ClusterReads}).
 */
public interface PolicyCache {
  NamespacePolicies forNamespace(String namespace);

  /**
   * Whether the policies may be served: the caches have synced once (and, in the webhook, are not
   * too stale). Until then the webhook is not ready and answers admissions with a 503.
   */
  boolean ready();

  /** Why {@link #ready()} is false, for the 503's message. */
  default String notReadyReason() {
    return "the webhook has not loaded the policies yet";
  }
}
