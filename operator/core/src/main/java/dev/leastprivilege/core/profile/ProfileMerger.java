package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.SeccompFlag;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Folds a base chain into one effective spec. The rule, documented for users in docs/concepts.md:
 *
 * <ul>
 *   <li>defaultAction, defaultErrnoRet and mode come from the child;
 *   <li>architectures come from the child, or from the base when the child lists none;
 *   <li>flags are the union;
 *   <li>rules are the base's followed by the child's, except that a syscall the child gives an
 *       unconditional action is taken out of the base's unconditional rules: the child decides.
 * </ul>
 */
public final class ProfileMerger {
  private ProfileMerger() {}

  public static SeccompProfileSpec merge(List<SeccompProfileSpec> chain) {
    SeccompProfileSpec effective = copy(chain.get(0));
    for (int i = 1; i < chain.size(); i++) {
      effective = mergeChild(effective, chain.get(i));
    }
    return effective;
  }

  private static SeccompProfileSpec mergeChild(SeccompProfileSpec base, SeccompProfileSpec child) {
    SeccompProfileSpec out = copy(child);
    if (out.getArchitectures().isEmpty()) {
      out.setArchitectures(new ArrayList<>(base.getArchitectures()));
    }
    Set<SeccompFlag> flags = new LinkedHashSet<>(base.getFlags());
    flags.addAll(out.getFlags());
    out.setFlags(new ArrayList<>(flags));

    Set<String> decidedByChild = new HashSet<>();
    for (SyscallRule r : out.getSyscalls()) {
      if (r.getArgs().isEmpty()) {
        decidedByChild.addAll(r.getNames());
      }
    }
    List<SyscallRule> rules = new ArrayList<>();
    for (SyscallRule r : base.getSyscalls()) {
      if (!r.getArgs().isEmpty()) {
        rules.add(r);
        continue;
      }
      List<String> kept = r.getNames().stream().filter(n -> !decidedByChild.contains(n)).toList();
      if (!kept.isEmpty()) {
        SyscallRule k = new SyscallRule(kept, r.getAction());
        k.setErrnoRet(r.getErrnoRet());
        rules.add(k);
      }
    }
    rules.addAll(out.getSyscalls());
    out.setSyscalls(rules);
    return out;
  }

  /** A shallow copy with non-null lists, so merging never changes the caller's objects. */
  static SeccompProfileSpec copy(SeccompProfileSpec s) {
    SeccompProfileSpec c = new SeccompProfileSpec();
    c.setDefaultAction(s.getDefaultAction());
    c.setDefaultErrnoRet(s.getDefaultErrnoRet());
    c.setArchitectures(
        s.getArchitectures() == null ? new ArrayList<>() : new ArrayList<>(s.getArchitectures()));
    c.setFlags(s.getFlags() == null ? new ArrayList<>() : new ArrayList<>(s.getFlags()));
    List<SyscallRule> rules = new ArrayList<>();
    if (s.getSyscalls() != null) {
      for (SyscallRule r : s.getSyscalls()) {
        SyscallRule rc =
            new SyscallRule(r.getNames() == null ? List.of() : r.getNames(), r.getAction());
        rc.setErrnoRet(r.getErrnoRet());
        rc.setArgs(r.getArgs() == null ? new ArrayList<>() : new ArrayList<>(r.getArgs()));
        rules.add(rc);
      }
    }
    c.setSyscalls(rules);
    c.setBaseProfileName(s.getBaseProfileName());
    c.setMode(s.getMode());
    c.setPodSelector(s.getPodSelector());
    c.setContainerNames(s.getContainerNames());
    return c;
  }
}
