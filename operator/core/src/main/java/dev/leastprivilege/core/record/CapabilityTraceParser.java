package dev.leastprivilege.core.record;

import dev.leastprivilege.core.caps.Capability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads trace_pipe lines of the capability:cap_capable event with a stacktrace trigger, as a 6.18
 * kernel prints them:
 *
 * <pre>
 *               sh-16733   [001] ..... 29856.064453: cap_capable: cred 000000008ce7fd61, target_ns 0000000049e84c1b, capable_ns 0000000049e84c1b, cap 21, ret 0
 *               sh-16733   [001] ..... 29856.064483: &lt;stack trace&gt;
 *  =&gt; trace_event_raw_event_cap_capable
 *  =&gt; cap_capable
 *  =&gt; security_vm_enough_memory_mm
 *  =&gt; dup_mmap
 * </pre>
 *
 * Stateful: events from different CPUs interleave, so an event waits (per task) for its stack; a
 * stack's frames are contiguous and end at the next header line. A check is complete when its stack
 * ended, when the same task is checked again before a stack came, or on {@link #flush}.
 */
public final class CapabilityTraceParser {
  /** "comm-tid [cpu] flags timestamp: rest"; the tgid column "( 123)" appears with record-tgid. */
  private static final Pattern HEADER =
      Pattern.compile(
          "^\\s*(.*?)-(\\d+)\\s+(?:\\(\\s*[\\d-]+\\)\\s+)?\\[\\d+\\]\\s+(?:\\S+\\s+)?[\\d.]+: (.*)$");

  private static final Pattern CAP_CAPABLE =
      Pattern.compile("^cap_capable: .*\\bcap (\\d+), ret (-?\\d+)");
  private static final Pattern EXEC =
      Pattern.compile("^sched_process_exec: filename=(.*) pid=(\\d+) old_pid=(\\d+)");
  private static final String STACK = "<stack trace>";

  /**
   * Frames that name the system call they implement: the architecture's entry wrapper
   * (__x64_sys_bind), its inner parts (__do_sys_, __se_sys_) and the common helpers (__sys_setuid,
   * ksys_mmap_pgoff).
   */
  private static final Pattern SYSCALL_FRAME =
      Pattern.compile(
          "^(?:__(?:x64|ia32|arm64|riscv|s390x|powerpc)_sys_|__do_sys_|__se_sys_|__sys_|ksys_)(\\w+)$");

  private static final String FRAME = " => ";

  /**
   * Kernel functions that check a capability without it meaning a need. The first call each makes
   * is security_capable(..., CAP_OPT_NOAUDIT): the kernel itself does not audit a refusal there,
   * because the caller only adjusts its behaviour (kernel/capability.c, security/commoncap.c,
   * kernel/kallsyms.c). Measured on 6.18: security_vm_enough_memory_mm asks for CAP_SYS_ADMIN on
   * every fork and mmap of a root process (to grant a little more memory under overcommit
   * heuristics), and runc's init asks through ns_capable_noaudit. Any frame ending in "_noaudit"
   * counts as well: has_capability_noaudit, has_ns_capability_noaudit, ns_capable_noaudit (used by
   * ptrace's PTRACE_MODE_NOAUDIT checks, /proc access checks, and others).
   */
  static final Set<String> INCIDENTAL_FRAMES =
      Set.of(
          "security_vm_enough_memory_mm",
          "__vm_enough_memory",
          "cap_vm_enough_memory",
          "kallsyms_show_value");

  /**
   * Overlayfs (every container's root filesystem under containerd and CRI-O) does its work on the
   * layers below with the credentials of whoever mounted it, the container runtime's, which hold
   * every capability (ovl_override_creds): the checks it makes there are the mount's, not the
   * task's, and a process that has none of those capabilities gets the same result. Their stacks
   * pass through an {@code ovl_} function. Measured on 6.18 with a root {@code touch} and {@code
   * chown} on an overlay mount: copying a file up asks for CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE
   * (ovl_copy_up_one), reading and writing its trusted.overlay.* attributes for CAP_SYS_ADMIN
   * (xattr_permission under ovl_lookup, ovl_get_inode, ovl_set_impure), and the upper layer's own
   * setattr asks for CAP_CHOWN again (ext4_setattr under ovl_setattr).
   *
   * <p>Overlayfs checks with the caller's own credentials only where it calls the VFS's permission
   * helper on its own inode first: these are the functions the nearest {@code ovl_} frame then
   * calls directly (ovl_permission: generic_permission; ovl_setattr: setattr_prepare, the chown's
   * real CAP_CHOWN).
   */
  static final Set<String> OVERLAY_CALLER_CREDENTIAL_CALLEES =
      Set.of("generic_permission", "setattr_prepare");

  static final String OVERLAY_PREFIX = "ovl_";

  private static final class Pending {
    final long tid;
    final String comm;
    final Capability capability;
    final boolean granted;
    boolean incidental;
    boolean stackStarted;
    String syscall;

    /** The frame read last (the callee of the next one), while no overlayfs frame was read. */
    String previousFrame;

    boolean overlaySeen;

    Pending(long tid, String comm, Capability capability, boolean granted) {
      this.tid = tid;
      this.comm = comm;
      this.capability = capability;
      this.granted = granted;
    }

    CapabilityCheck check() {
      return new CapabilityCheck(tid, comm, capability, granted, incidental, syscall);
    }
  }

  /** Events waiting for their stack, by task, in arrival order. */
  private final Map<Long, Pending> pending = new LinkedHashMap<>();

  /** The event whose stack frames are being read, or null. */
  private Pending inStack;

  /** One exec, from the sched:sched_process_exec event. */
  public record Exec(long tid, String filename) {}

  /** Feeds one line; returns the checks it completed (in order). */
  public List<CapabilityCheck> feed(String line) {
    List<CapabilityCheck> done = new ArrayList<>();
    if (line == null || line.isEmpty()) {
      return done;
    }
    if (line.startsWith(FRAME)) {
      if (inStack != null) {
        String frame = line.substring(FRAME.length()).trim();
        if (isIncidentalFrame(frame)) {
          inStack.incidental = true;
        }
        // The frame nearest the syscall entry names it: the last one that names a syscall.
        syscallOfFrame(frame).ifPresent(name -> inStack.syscall = name);
        String fn = function(frame);
        if (!inStack.overlaySeen && fn.startsWith(OVERLAY_PREFIX)) {
          inStack.overlaySeen = true;
          if (!OVERLAY_CALLER_CREDENTIAL_CALLEES.contains(inStack.previousFrame)) {
            inStack.incidental = true; // overlayfs's check with the mount's credentials
          }
        }
        inStack.previousFrame = fn;
      }
      return done;
    }
    Matcher h = HEADER.matcher(line);
    if (!h.matches()) {
      return done;
    }
    // Any header ends the stack being read.
    endStack(done);
    String comm = h.group(1);
    long tid = Long.parseLong(h.group(2));
    String rest = h.group(3);
    if (rest.startsWith(STACK)) {
      Pending p = pending.get(tid);
      if (p != null && !p.stackStarted) {
        p.stackStarted = true;
        inStack = p;
      }
      return done;
    }
    Matcher c = CAP_CAPABLE.matcher(rest);
    if (c.find()) {
      Pending before = pending.remove(tid);
      if (before != null) {
        done.add(before.check());
      }
      Optional<Capability> cap = Capability.ofNumber(Integer.parseInt(c.group(1)));
      if (cap.isPresent()) {
        pending.put(tid, new Pending(tid, comm, cap.get(), Integer.parseInt(c.group(2)) == 0));
      }
    }
    return done;
  }

  /** The checks still waiting for their stack, as they are. */
  public List<CapabilityCheck> flush() {
    List<CapabilityCheck> done = new ArrayList<>();
    endStack(done);
    pending.values().forEach(p -> done.add(p.check()));
    pending.clear();
    return done;
  }

  private void endStack(List<CapabilityCheck> done) {
    if (inStack != null) {
      pending.remove(inStack.tid);
      done.add(inStack.check());
      inStack = null;
    }
  }

  /** The exec a sched_process_exec line reports; empty for any other line. */
  public static Optional<Exec> exec(String line) {
    if (line == null) {
      return Optional.empty();
    }
    Matcher h = HEADER.matcher(line);
    if (!h.matches()) {
      return Optional.empty();
    }
    Matcher e = EXEC.matcher(h.group(3));
    if (!e.find()) {
      return Optional.empty();
    }
    return Optional.of(new Exec(Long.parseLong(e.group(2)), e.group(1)));
  }

  /** The system call a stack frame implements, if it names one. */
  static Optional<String> syscallOfFrame(String frame) {
    Matcher m = SYSCALL_FRAME.matcher(function(frame));
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Whether a stack frame marks a check that does not mean a need. */
  static boolean isIncidentalFrame(String frame) {
    String fn = function(frame);
    return INCIDENTAL_FRAMES.contains(fn) || fn.endsWith("_noaudit");
  }

  private static String function(String frame) {
    // Frames may carry an offset ("fn+0x1a/0x40") with some trace options.
    return frame.split("[+ ]", 2)[0];
  }
}
