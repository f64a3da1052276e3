package dev.leastprivilege.core.lint;

import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.render.Actions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Findings that are allowed but worth a second look. Each says why, because a warning that teaches
 * is one that gets acted on.
 */
public final class ProfileLinter {
  /** Below this many refused calls, a default-allow profile blocks almost nothing. */
  static final int FEW_REFUSALS = 20;

  /** Syscalls that widen the kernel attack surface a container can reach, and why. */
  static final Map<String, String> RISKY = new LinkedHashMap<>();

  static {
    RISKY.put(
        "keyctl",
        "the kernel keyring is not namespaced and keyctl has had privilege escalations"
            + " (CVE-2016-0728)");
    RISKY.put("add_key", "the kernel keyring is not namespaced");
    RISKY.put("request_key", "the kernel keyring is not namespaced");
    RISKY.put(
        "bpf", "it loads programs into the kernel, a frequent source of privilege escalations");
    RISKY.put(
        "ptrace",
        "it reads and writes other processes' memory, and on kernels before 4.8 bypasses seccomp");
    RISKY.put(
        "mount",
        "it changes what the container sees of the file system; with CAP_SYS_ADMIN it is a common"
            + " escape route");
    RISKY.put(
        "unshare",
        "new namespaces, user namespaces above all, expose kernel code normally reserved for"
            + " root");
    RISKY.put("setns", "it joins other namespaces, possibly the host's");
    RISKY.put(
        "open_by_handle_at",
        "it opens files by handle, bypassing the mount namespace (the \"shocker\"" + " escape)");
    RISKY.put("perf_event_open", "it exposes kernel internals and has had many vulnerabilities");
    RISKY.put(
        "userfaultfd",
        "it lets an attacker pause the kernel mid-copy, a standard exploit primitive");
    RISKY.put("kexec_load", "it replaces the running kernel");
    RISKY.put("init_module", "it loads kernel code");
    RISKY.put("finit_module", "it loads kernel code");
    RISKY.put(
        "io_uring_setup",
        "io_uring has a large, fast-moving attack surface; several platforms disable it");
  }

  private ProfileLinter() {}

  /** Lints an effective (validated, merged) spec. */
  public static List<String> lint(SeccompProfileSpec spec) {
    List<String> warnings = new ArrayList<>();
    SeccompAction def = spec.getDefaultAction();
    Set<String> refused = new HashSet<>();
    Set<String> allowedUnconditionally = new HashSet<>();
    for (int i = 0; i < spec.getSyscalls().size(); i++) {
      SyscallRule r = spec.getSyscalls().get(i);
      String field = "spec.syscalls[" + i + "]";
      boolean conditional = r.getArgs() != null && !r.getArgs().isEmpty();
      if (Actions.refuses(r.getAction())) {
        refused.addAll(r.getNames());
      } else if (!conditional) {
        allowedUnconditionally.addAll(r.getNames());
      }
      if (r.getErrnoRet() != null && !Actions.takesErrno(r.getAction())) {
        warnings.add(
            field + ".errnoRet: ignored, because only SCMP_ACT_ERRNO and SCMP_ACT_TRACE use it");
      }
      if (!conditional && r.getAction() == def && r.getErrnoRet() == null) {
        warnings.add(field + ": has no effect, because " + def + " is already the default action");
      }
      if (Actions.refuses(r.getAction())
          && r.getNames().contains("write")
          && mayMatchRuntimeDescriptor(r)) {
        warnings.add(
            field
                + ": refuses write on descriptors above 2, but runc writes to its exec fifo (a"
                + " descriptor above 2) after loading the filter, so every container with this profile fails to start"
                + " (\"write exec fifo: bad file descriptor\"); restrict only the descriptors you mean, e.g. index 0"
                + " SCMP_CMP_EQ 2 for stderr");
      }
      if (r.getAction() == SeccompAction.SCMP_ACT_KILL) {
        warnings.add(
            field
                + ".action: SCMP_ACT_KILL kills only the calling thread and can leave the process"
                + " half-alive; SCMP_ACT_KILL_PROCESS is usually meant");
      }
    }
    if (spec.getDefaultErrnoRet() != null && def != SeccompAction.SCMP_ACT_ERRNO) {
      warnings.add("spec.defaultErrnoRet: ignored, because defaultAction is not SCMP_ACT_ERRNO");
    }
    if (def == SeccompAction.SCMP_ACT_LOG && spec.getMode() != Mode.Audit) {
      warnings.add(
          "spec.defaultAction: SCMP_ACT_LOG refuses nothing; use mode: Audit to watch an allow-list"
              + " before enforcing it");
    }
    if (!Actions.refuses(def)) {
      if (refused.size() < FEW_REFUSALS) {
        warnings.add(
            "spec.defaultAction: "
                + def
                + " with only "
                + refused.size()
                + " refused syscalls blocks"
                + " almost nothing; an allow-list (defaultAction: SCMP_ACT_ERRNO plus the calls the workload needs,"
                + " e.g. recorded with lpo record) also blocks syscalls added to future kernels");
      }
      List<String> open = RISKY.keySet().stream().filter(n -> !refused.contains(n)).toList();
      if (!open.isEmpty()) {
        warnings.add(
            "spec.defaultAction: "
                + def
                + " leaves "
                + String.join(", ", open)
                + " allowed; refuse"
                + " them unless the workload needs them ("
                + open.get(0)
                + ": "
                + RISKY.get(open.get(0))
                + ")");
      }
    } else {
      RISKY.forEach(
          (name, why) -> {
            if (allowedUnconditionally.contains(name)) {
              warnings.add("allows \"" + name + "\" without restriction: " + why);
            }
          });
    }
    return warnings;
  }

  /** Whether a refusing write rule can match a descriptor the runtime itself uses (3 and up). */
  static boolean mayMatchRuntimeDescriptor(SyscallRule r) {
    for (SyscallArg a : r.getArgs()) {
      if (a.getIndex() != 0 || a.getOp() == null || a.getValue() == null) {
        continue;
      }
      long v = a.getValue();
      return switch (a.getOp()) {
        case SCMP_CMP_EQ -> v >= 3;
        case SCMP_CMP_NE, SCMP_CMP_GT, SCMP_CMP_GE -> true;
        case SCMP_CMP_LT -> v > 3;
        case SCMP_CMP_LE -> v >= 3;
        case SCMP_CMP_MASKED_EQ -> false;
      };
    }
    return true;
  }
}
