package dev.leastprivilege.webhook;

import dev.leastprivilege.core.admission.NamespacePolicies;

/**
 * The informers' policies as the webhook serves them: ready once they have synced and while they
 * are within {@link PolicyFreshness}'s bound. The admission handler answers 503 when not ready, so
 * the failurePolicy decides instead of a view that is empty or too old.
 */
final class ServedPolicies implements PolicyCache, AutoCloseable {
  private final InformerPolicyCache informers;
  private final PolicyFreshness freshness;

  ServedPolicies(InformerPolicyCache informers, PolicyFreshness freshness) {
    this.informers = informers;
    this.freshness = freshness;
  }

  @Override
  public NamespacePolicies forNamespace(String namespace) {
    return informers.forNamespace(namespace);
  }

  @Override
  public boolean ready() {
    return informers.ready() && freshness.withinBound();
  }

  @Override
  public String notReadyReason() {
    if (!informers.ready()) {
      return "the webhook has not loaded the policies from the API server yet";
    }
    return "the webhook has not watched the API server for "
        + freshness.unwatchedFor().toSeconds()
        + " s (more than "
        + freshness.bound().toSeconds()
        + " s), so its policies may be out of date";
  }

  @Override
  public void close() {
    informers.close();
  }
}
