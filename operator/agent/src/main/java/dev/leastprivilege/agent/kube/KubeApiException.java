package dev.leastprivilege.agent.kube;

/**
 * A call to the API server that failed: with its HTTP status code, or 0 when there was no response
 * (the connection failed, or the body could not be read). The message carries the API server's own.
 */
public final class KubeApiException extends RuntimeException {
  /** The watch's "expired" answer: the resourceVersion is too old, and only a new list helps. */
  public static final int GONE = 410;

  /**
   * The cause the API server gives (a 504 with it) when its watch cache has not yet reached the
   * resourceVersion asked for.
   */
  static final String CACHE_BEHIND = "ResourceVersionTooLarge";

  private final int code;
  private final String reason;

  KubeApiException(int code, String message, Throwable cause) {
    this(code, null, message, cause);
  }

  KubeApiException(int code, String reason, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
  }

  /** Whether the API server's watch cache was behind the revision asked for. */
  boolean cacheBehind() {
    return CACHE_BEHIND.equals(reason);
  }

  /** The HTTP status code, or 0 when there was no response. */
  public int code() {
    return code;
  }
}
