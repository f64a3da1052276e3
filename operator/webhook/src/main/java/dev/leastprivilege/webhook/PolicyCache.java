package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.NamespacePolicies;

/**
 * What the webhook knows about a namespace, from memory: a pod CREATE never waits on the API server
 * (only kubectl debug on Kubernetes 1.20 and 1.21 does, through {@link ClusterReads}).
 */
public interface PolicyCache {
  NamespacePolicies forNamespace(String namespace);

  /** Whether the caches have synced once; until then the webhook is not ready. */
  boolean ready();
}
