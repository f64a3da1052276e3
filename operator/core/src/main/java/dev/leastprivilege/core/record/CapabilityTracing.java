package dev.leastprivilege.core.record;

/**
 * The tracefs settings the in-cluster recorder and {@code lpo record} both write. Each uses its own
 * trace instance (instances/NAME), so tracing set up by anyone else on the node is left alone, and
 * removes it when done.
 */
public final class CapabilityTracing {
  /** Where tracefs is normally mounted. */
  public static final String TRACEFS = "/sys/kernel/tracing";

  /** The in-cluster recorder's instance, under {@code instances/}. */
  public static final String RECORDER_INSTANCE = "lpo-recorder";

  /**
   * The instance of one node's recorder. Trace instances belong to the kernel, not to a mount: on
   * kind, every node of a cluster shares one kernel, and a recorder that cleaned up a stale
   * instance of a fixed name at start would take the other nodes' away.
   */
  public static String recorderInstance(String nodeName) {
    String name = RECORDER_INSTANCE + "-" + nodeName;
    // A directory name has at most 255 bytes; node names have at most 253 characters.
    return name.length() <= 128
        ? name
        : RECORDER_INSTANCE + "-" + java.util.HexFormat.of().formatHex(sha256(nodeName), 0, 16);
  }

  private static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The prefix of {@code lpo record}'s instances, followed by its pid (one per run). */
  public static final String RECORD_INSTANCE_PREFIX = "lpo-record-";

  /** The event, relative to the instance. */
  public static final String EVENT = "events/capability/cap_capable";

  /** Enabling the event: write "1" here. */
  public static final String ENABLE = EVENT + "/enable";

  /**
   * The trigger file: a stack trace after each event tells incidental checks (see {@link
   * CapabilityTraceParser}) from needs.
   */
  public static final String TRIGGER_FILE = EVENT + "/trigger";

  /** The trigger text; "!stacktrace" removes it. */
  public static final String TRIGGER = "stacktrace";

  /** Removing the trigger (an instance with a trigger set cannot be removed). */
  public static final String TRIGGER_OFF = "!" + TRIGGER;

  /** The stream of events, read while recording. */
  public static final String TRACE_PIPE = "trace_pipe";

  /**
   * Tracing only these pids and, with {@link #EVENT_FORK} on, their children: how {@code lpo
   * record} limits the trace to the container it started.
   */
  public static final String SET_EVENT_PID = "set_event_pid";

  /** Adds forked children of traced pids to {@link #SET_EVENT_PID}. */
  public static final String EVENT_FORK = "options/event-fork";

  /** The exec event: tells the runtime's own checks (before the workload's exec) from the rest. */
  public static final String EXEC_EVENT = "events/sched/sched_process_exec";

  /** Per-CPU buffer size in KiB; checks come in bursts with their stacks. */
  public static final String BUFFER_SIZE_KB = "buffer_size_kb";

  private CapabilityTracing() {}
}
