package dev.leastprivilege.agent.kube;

/**
 * A call to the API server that failed: with its HTTP status code, or 0 when there was no response
 * (the connection failed, or the body could not be read). The message carries the API server's own.
 */
public final class KubeApiException extends RuntimeException {
  /** The watch's "expired" answer: the resourceVersion is too old, and only a new list helps. */
  public static final int GONE = 410;

  private final int code;

  KubeApiException(int code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The HTTP status code, or 0 when there was no response. */
  public int code() {
    return code;
  }
}
