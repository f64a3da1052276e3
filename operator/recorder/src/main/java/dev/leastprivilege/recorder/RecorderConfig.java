package dev.leastprivilege.recorder;

import dev.leastprivilege.core.record.CapabilityTracing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where the recorder runs and reads, from the environment the DaemonSet gives it.
 *
 * @param nodeName this node; its NodeRecording is named after it
 * @param seccompSource where seccomp records are read: the kernel log, or the audit daemon's log
 * @param kmsg the kernel log device, /dev/kmsg
 * @param auditLog the audit daemon's log file, /var/log/audit/audit.log
 * @param tracefs where tracefs is mounted, /sys/kernel/tracing
 * @param traceInstance the recorder's trace instance under tracefs/instances; instances are the
 *     kernel's, shared by every tracefs mount, so a second recorder on one kernel (a test next to a
 *     node's recorder) needs a name of its own
 * @param proc the host's /proc (the chart mounts it; the recorder's own /proc shows only its pod)
 * @param reportInterval the NodeRecording's status is written at most this often, when it changed
 * @param containerGrace how long records of a container no pod shows yet are kept: the kubelet
 *     reports a container's ID a moment after it started
 * @param healthPort the port of /healthz and /readyz (the agent, in the same pod, has 8081)
 */
public record RecorderConfig(
    String nodeName,
    SeccompSource seccompSource,
    Path kmsg,
    Path auditLog,
    Path tracefs,
    String traceInstance,
    Path proc,
    Duration reportInterval,
    Duration containerGrace,
    int healthPort) {

  /** Where seccomp records come from. */
  public enum SeccompSource {
    /** The kernel log: where the kernel writes them when no audit daemon runs. */
    KMSG("kmsg"),
    /** The audit daemon's log file: where they go while an audit daemon runs. */
    AUDIT_LOG("audit-log");

    private final String statusName;

    SeccompSource(String statusName) {
      this.statusName = statusName;
    }

    /** As NodeRecording.status.seccompSource says it. */
    public String statusName() {
      return statusName;
    }
  }

  public static final String NODE_NAME = "NODE_NAME";
  public static final String SECCOMP_SOURCE = "LPO_RECORDER_SECCOMP_SOURCE";
  public static final String KMSG = "LPO_RECORDER_KMSG";
  public static final String AUDIT_LOG = "LPO_RECORDER_AUDIT_LOG";
  public static final String TRACEFS = "LPO_RECORDER_TRACEFS";
  public static final String TRACE_INSTANCE = "LPO_RECORDER_TRACE_INSTANCE";
  public static final String PROC = "LPO_RECORDER_PROC";
  public static final String REPORT_SECONDS = "LPO_RECORDER_REPORT_SECONDS";
  public static final String HEALTH_PORT = "LPO_RECORDER_HEALTH_PORT";

  public static final String DEFAULT_KMSG = "/dev/kmsg";
  public static final String DEFAULT_AUDIT_LOG = "/var/log/audit/audit.log";
  public static final String DEFAULT_TRACEFS = "/sys/kernel/tracing";
  public static final String DEFAULT_PROC = "/proc";
  public static final int DEFAULT_REPORT_SECONDS = 10;
  public static final int DEFAULT_HEALTH_PORT = 8082;
  public static final Duration CONTAINER_GRACE = Duration.ofSeconds(30);

  /**
   * NODE_NAME (required); LPO_RECORDER_SECCOMP_SOURCE: kmsg, audit-log or auto (the default: the
   * audit log when its file exists, since records then go to the audit daemon, else the kernel
   * log); the paths; LPO_RECORDER_REPORT_SECONDS (default 10).
   *
   * @throws IllegalArgumentException naming the variable and what it takes
   */
  public static RecorderConfig fromEnvironment(Map<String, String> env) {
    String node = env.get(NODE_NAME);
    if (node == null || node.isBlank()) {
      throw new IllegalArgumentException(
          NODE_NAME + " must be set (the Helm chart sets it from spec.nodeName)");
    }
    Path auditLog = Path.of(env.getOrDefault(AUDIT_LOG, DEFAULT_AUDIT_LOG));
    String source = env.getOrDefault(SECCOMP_SOURCE, "auto").trim().toLowerCase(Locale.ROOT);
    SeccompSource seccomp =
        switch (source) {
          case "kmsg" -> SeccompSource.KMSG;
          case "audit-log" -> SeccompSource.AUDIT_LOG;
          case "auto", "" ->
              Files.isRegularFile(auditLog) ? SeccompSource.AUDIT_LOG : SeccompSource.KMSG;
          default ->
              throw new IllegalArgumentException(
                  SECCOMP_SOURCE + "=" + source + ": expected kmsg, audit-log or auto");
        };
    int seconds = positive(env, REPORT_SECONDS, DEFAULT_REPORT_SECONDS);
    int port = positive(env, HEALTH_PORT, DEFAULT_HEALTH_PORT);
    return new RecorderConfig(
        node,
        seccomp,
        Path.of(env.getOrDefault(KMSG, DEFAULT_KMSG)),
        auditLog,
        Path.of(env.getOrDefault(TRACEFS, DEFAULT_TRACEFS)),
        env.getOrDefault(TRACE_INSTANCE, CapabilityTracing.recorderInstance(node)),
        Path.of(env.getOrDefault(PROC, DEFAULT_PROC)),
        Duration.ofSeconds(seconds),
        CONTAINER_GRACE,
        port);
  }

  private static int positive(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + "=" + value + ": expected a positive whole number");
  }
}
