package dev.leastprivilege.core.record;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tells the container runtime's tasks from the workload's by their history, where their names do
 * not: a trace line names a task "&lt;...&gt;" when the trace's command cache has lost it, so
 * runc's init ("runc:[2:INIT]") can pass for a workload process and its mount and namespace checks
 * (CAP_SYS_ADMIN) for the workload's needs.
 *
 * <p>The rule: a task forked by a process outside any container is entering one (runc's stages, for
 * a container's start or a {@code kubectl exec}); a task forked by an entering task is entering
 * too; a task stops entering when it execs a program other than the runtime itself (runc's init
 * execs the workload). Tasks forked inside a container by the workload (busybox's children, which
 * never exec) are the workload's. Tasks that existed before the recorder started are the
 * workload's. Bounded: the oldest entries go first.
 */
public final class EnteringTasks {
  /** Entering tasks live for milliseconds; this many is far more than run at once. */
  static final int LIMIT = 65_536;

  private final Map<Long, Boolean> entering =
      new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
          return size() > LIMIT;
        }
      };

  /**
   * @param parentInContainer whether the parent runs in a container (its cgroup names one)
   */
  public void forked(long parent, long child, boolean parentInContainer) {
    if (!parentInContainer || entering.containsKey(parent)) {
      entering.put(child, Boolean.TRUE);
    } else {
      entering.remove(child);
    }
  }

  /**
   * The task replaced its program: runc's init became the workload, unless the program is the
   * runtime itself again (runc starts its init as {@code /proc/self/exe init}, whose comm is "exe"
   * until it names its stages; runc then re-executes a sealed copy of itself, {@code /dev/fd/N}, as
   * measured with runc 1.1).
   */
  public void exec(long tid, String filename) {
    if (!isRuntimeReexec(filename)) {
      entering.remove(tid);
    }
  }

  static boolean isRuntimeReexec(String filename) {
    return filename != null
        && (filename.equals("/proc/self/exe")
            || filename.matches("/proc/(self|\\d+)/fd/\\d+")
            || filename.matches("/dev/fd/\\d+"));
  }

  /** Whether the task is the runtime's, on its way into a container and not yet the workload. */
  public boolean isEntering(long tid) {
    return entering.containsKey(tid);
  }
}
