package dev.leastprivilege.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Where the agent runs and writes.
 *
 * @param nodeName this node; the NodeProfileStatus object is named after it
 * @param namespace the operator's namespace, where the rendered-profile ConfigMaps are
 * @param seccompRoot the kubelet's seccomp root, /var/lib/kubelet/seccomp by default
 * @param statusDelay how long to gather changes before writing one status update
 */
public record AgentConfig(
    String nodeName, String namespace, Path seccompRoot, Duration statusDelay) {
  public static final String DEFAULT_ROOT = "/var/lib/kubelet/seccomp";

  /**
   * From the environment a DaemonSet gives it: NODE_NAME, LPO_NAMESPACE and optionally
   * SECCOMP_ROOT.
   */
  public static AgentConfig fromEnvironment(Map<String, String> env) {
    String node = env.get("NODE_NAME");
    String ns = env.get("LPO_NAMESPACE");
    if (node == null || node.isBlank() || ns == null || ns.isBlank()) {
      throw new IllegalArgumentException(
          "NODE_NAME and LPO_NAMESPACE must be set (the Helm chart sets them from"
              + " spec.nodeName and metadata.namespace)");
    }
    return new AgentConfig(
        node, ns, Path.of(env.getOrDefault("SECCOMP_ROOT", DEFAULT_ROOT)), Duration.ofMillis(200));
  }
}
