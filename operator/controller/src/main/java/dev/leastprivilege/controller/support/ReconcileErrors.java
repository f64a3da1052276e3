package dev.leastprivilege.controller.support;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;
import java.util.Set;

/**
 * What an exception out of a reconcile means, so that a spec error ends in a status instead of
 * retries, and an API outage is retried instead of being blamed on the spec.
 */
public final class ReconcileErrors {
  /**
   * The API server's answers to a request it refuses as invalid (Bad Request, Request Entity Too
   * Large, Unprocessable Entity): the same spec gets the same answer.
   */
  static final Set<Integer> REFUSED = Set.of(400, 413, 422);

  /** The longest part of an error a status quotes. */
  static final int MAX_MESSAGE = 400;

  /** How to handle one exception. */
  public enum Kind {
    /** The API server refused a request made from the spec as invalid: write a status, no retry. */
    REJECTED,
    /**
     * The API server could not be reached or answered with a passing error (unavailable, conflict,
     * throttled, forbidden): retry with back-off, since writing a status would most likely fail
     * too.
     */
    TRANSIENT,
    /** Anything else, a bug for this object's input: write a status, retry a few times. */
    INTERNAL
  }

  private ReconcileErrors() {}

  public static Kind classify(Exception e) {
    Optional<KubernetesClientException> api = apiError(e);
    if (api.isEmpty()) {
      return Kind.INTERNAL;
    }
    return REFUSED.contains(api.get().getCode()) ? Kind.REJECTED : Kind.TRANSIENT;
  }

  /** The error in a few words: the API server's message, or the exception's type and message. */
  public static String describe(Exception e) {
    Optional<KubernetesClientException> api = apiError(e);
    String text;
    if (api.isPresent()) {
      KubernetesClientException k = api.get();
      text =
          k.getStatus() != null && k.getStatus().getMessage() != null
              ? k.getStatus().getMessage()
              : k.getMessage();
    } else {
      text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    return text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE) + "…";
  }

  private static Optional<KubernetesClientException> apiError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
