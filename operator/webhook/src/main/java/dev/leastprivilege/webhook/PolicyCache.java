package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.NamespacePolicies;

/**
 * What the webhook knows about a namespace, from memory: admission never waits on the API server.
 */
public interface PolicyCache {
  NamespacePolicies forNamespace(String namespace);

  /** Whether the caches have synced once; until then the webhook is not ready. */
  boolean ready();
}
