package dev.leastprivilege.core.status;

/**
 * What one node's agent says about one profile: the content hash it has installed, or why it could
 * not install it (hash then names the content it tried).
 */
public record NodeReport(String node, String contentHash, String failure) {
  public static NodeReport installed(String node, String hash) {
    return new NodeReport(node, hash, null);
  }

  public static NodeReport failed(String node, String hash, String message) {
    return new NodeReport(node, hash, message);
  }

  public boolean isFailure() {
    return failure != null;
  }
}
