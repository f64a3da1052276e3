package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks one SeccompProfile on its own: everything the CRD schema says, again (the CLI has no API
 * server), and what the schema cannot say: syscall names that exist on no architecture, and
 * conflicting actions. A name that is a syscall only on architectures the profile does not list is
 * not an error but a warning ({@link CrossArchitectureNames}). Shared by the CLI, the operator and
 * the webhook, so that all three refuse the same things with the same words.
 */
public final class ProfileValidator {
  public static final int MAX_ARGS = 6;
  public static final long MAX_ERRNO = 4095;

  private ProfileValidator() {}

  public static List<FieldError> validate(String namespace, String name, SeccompProfileSpec spec) {
    List<FieldError> errors = new ArrayList<>();
    Names.checkObjectName(name, namespace, errors);
    if (spec == null) {
      errors.add(new FieldError("spec", "required"));
      return errors;
    }
    if (spec.getDefaultAction() == null) {
      errors.add(
          new FieldError(
              "spec.defaultAction", "required; SCMP_ACT_ERRNO makes the profile an allow-list"));
    }
    if (spec.getDefaultAction() == SeccompAction.SCMP_ACT_NOTIFY) {
      errors.add(new FieldError("spec.defaultAction", NOTIFY));
    }
    checkErrno(spec.getDefaultErrnoRet(), "spec.defaultErrnoRet", errors);
    List<Architecture> arches =
        spec.getArchitectures() == null ? List.of() : spec.getArchitectures();
    for (int i = 0; i < arches.size(); i++) {
      if (arches.get(i) == null) {
        errors.add(new FieldError("spec.architectures[" + i + "]", "must not be empty"));
      }
    }
    List<Architecture> checkedArches = arches.stream().filter(Objects::nonNull).toList();
    if (checkedArches.isEmpty()) {
      // No architectures means the node's own: accept a name that any architecture we know has.
      checkedArches = Arrays.asList(Architecture.values());
    }
    List<SyscallRule> rules = spec.getSyscalls() == null ? List.of() : spec.getSyscalls();
    Map<String, Seen> unconditional = new HashMap<>();
    for (int i = 0; i < rules.size(); i++) {
      checkRule(
          rules.get(i), "spec.syscalls[" + i + "]", arches, checkedArches, unconditional, errors);
    }
    checkRefusalsOfOtherArchitectures(spec, rules, errors);
    Names.checkContainerNames(spec.getContainerNames(), "spec.containerNames", errors);
    SelectorChecks.check(spec.getPodSelector(), "spec.podSelector", errors);
    return errors;
  }

  /**
   * runc refuses a profile with a notify action unless it is given a listener, which we never give.
   */
  static final String NOTIFY =
      "SCMP_ACT_NOTIFY needs a user-space listener, which this product does not run, and runc"
          + " refuses the profile without one; choose another action, e.g. SCMP_ACT_ERRNO or"
          + " SCMP_ACT_LOG";

  private static boolean permits(SeccompAction a) {
    return a == SeccompAction.SCMP_ACT_ALLOW || a == SeccompAction.SCMP_ACT_LOG;
  }

  /**
   * A profile that allows by default and refuses a call by a name only other architectures have
   * (setuid32, umount) refuses nothing on its own architectures unless it refuses the call's name
   * there too (setuid, umount2): such a profile allows what its author meant to refuse.
   */
  private static void checkRefusalsOfOtherArchitectures(
      SeccompProfileSpec spec, List<SyscallRule> rules, List<FieldError> errors) {
    List<Architecture> listed =
        spec.getArchitectures() == null
            ? List.of()
            : spec.getArchitectures().stream().filter(Objects::nonNull).toList();
    if (listed.isEmpty() || spec.getDefaultAction() == null || !permits(spec.getDefaultAction())) {
      return;
    }
    Set<String> refused = new HashSet<>();
    for (SyscallRule r : rules) {
      if (r != null && r.getAction() != null && !permits(r.getAction()) && r.getNames() != null) {
        refused.addAll(r.getNames());
      }
    }
    String here = listed.stream().map(Enum::name).collect(Collectors.joining(", "));
    for (int i = 0; i < rules.size(); i++) {
      SyscallRule r = rules.get(i);
      if (r == null || r.getAction() == null || permits(r.getAction()) || r.getNames() == null) {
        continue;
      }
      for (int j = 0; j < r.getNames().size(); j++) {
        String n = r.getNames().get(j);
        if (n == null || !CrossArchitectureNames.onlyElsewhere(listed, n)) {
          continue;
        }
        Optional<String> same = CrossArchitectureNames.equivalent(listed, n);
        if (same.isPresent() && !refused.contains(same.get())) {
          errors.add(
              new FieldError(
                  "spec.syscalls[" + i + "].names[" + j + "]",
                  "\""
                      + n
                      + "\" is not a system call on "
                      + here
                      + ", so this rule refuses nothing there, and the profile allows by default;"
                      + " the same call is \""
                      + same.get()
                      + "\" there: refuse \""
                      + same.get()
                      + "\" too"));
        }
      }
    }
  }

  static void checkErrno(Long errno, String field, List<FieldError> errors) {
    if (errno != null && (errno < 0 || errno > MAX_ERRNO)) {
      errors.add(
          new FieldError(
              field, errno + " is out of range: an errno is between 0 and " + MAX_ERRNO));
    }
  }

  private record Seen(String field, String action) {}

  private static void checkRule(
      SyscallRule rule,
      String field,
      List<Architecture> listedArches,
      List<Architecture> checkedArches,
      Map<String, Seen> unconditional,
      List<FieldError> errors) {
    if (rule == null) {
      errors.add(new FieldError(field, "must not be empty"));
      return;
    }
    if (rule.getAction() == null) {
      errors.add(new FieldError(field + ".action", "required"));
    } else if (rule.getAction() == SeccompAction.SCMP_ACT_NOTIFY) {
      errors.add(new FieldError(field + ".action", NOTIFY));
    }
    checkErrno(rule.getErrnoRet(), field + ".errnoRet", errors);
    List<SyscallArg> args = rule.getArgs() == null ? List.of() : rule.getArgs();
    if (args.size() > MAX_ARGS) {
      errors.add(
          new FieldError(
              field + ".args",
              "has "
                  + args.size()
                  + " entries; a system call has at most "
                  + MAX_ARGS
                  + " arguments"));
    }
    for (int j = 0; j < args.size(); j++) {
      checkArg(args.get(j), field + ".args[" + j + "]", errors);
    }
    List<String> names = rule.getNames() == null ? List.of() : rule.getNames();
    if (names.isEmpty()) {
      errors.add(new FieldError(field + ".names", "must list at least one system call"));
    }
    String actionKey =
        rule.getAction() + (rule.getErrnoRet() == null ? "" : "(errno " + rule.getErrnoRet() + ")");
    for (int j = 0; j < names.size(); j++) {
      String n = names.get(j);
      String nameField = field + ".names[" + j + "]";
      if (n == null || n.isBlank()) {
        errors.add(new FieldError(nameField, "must not be empty"));
        continue;
      }
      if (!SyscallTables.knownOnAny(checkedArches, n)
          && !CrossArchitectureNames.onlyElsewhere(checkedArches, n)) {
        // A syscall nowhere: a typo. One on another architecture only is a warning
        // (CrossArchitectureNames), because the runtime skips it.
        errors.add(new FieldError(nameField, unknownSyscall(n, listedArches, checkedArches)));
        continue;
      }
      if (args.isEmpty() && rule.getAction() != null) {
        Seen previous = unconditional.putIfAbsent(n, new Seen(field, actionKey));
        if (previous != null && !previous.action.equals(actionKey)) {
          errors.add(
              new FieldError(
                  nameField,
                  "\""
                      + n
                      + "\" is given "
                      + actionKey
                      + " here but "
                      + previous.action
                      + " at "
                      + previous.field
                      + "; a system call can have only one action without"
                      + " argument rules"));
        }
      }
    }
  }

  private static String unknownSyscall(
      String name, List<Architecture> listed, List<Architecture> checked) {
    String where =
        listed.isEmpty()
            ? "any supported architecture"
            : checked.stream().map(Enum::name).collect(Collectors.joining(", "));
    Set<String> known = new TreeSet<>();
    for (Architecture a : checked) {
      known.addAll(SyscallTables.of(a).names());
    }
    String hint =
        Suggestions.closest(name, known).map(s -> " (did you mean \"" + s + "\"?)").orElse("");
    return "unknown syscall \"" + name + "\" for " + where + hint;
  }

  private static void checkArg(SyscallArg arg, String field, List<FieldError> errors) {
    if (arg == null) {
      errors.add(new FieldError(field, "must not be empty"));
      return;
    }
    if (arg.getIndex() == null) {
      errors.add(new FieldError(field + ".index", "required"));
    } else if (arg.getIndex() < 0 || arg.getIndex() >= MAX_ARGS) {
      errors.add(
          new FieldError(
              field + ".index",
              arg.getIndex() + " is out of range: argument indexes are 0 to " + (MAX_ARGS - 1)));
    }
    if (arg.getOp() == null) {
      errors.add(new FieldError(field + ".op", "required"));
    }
    if (arg.getValue() == null) {
      errors.add(new FieldError(field + ".value", "required"));
    } else if (arg.getValue() < 0) {
      errors.add(new FieldError(field + ".value", "must not be negative"));
    }
    if (arg.getValueTwo() != null && arg.getValueTwo() < 0) {
      errors.add(new FieldError(field + ".valueTwo", "must not be negative"));
    }
  }
}
