package dev.leastprivilege.core;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import java.util.ArrayList;
import java.util.List;

/** Small builders that keep the tests about behaviour rather than setters. */
public final class Specs {
  private Specs() {}

  public static SeccompProfileSpec spec(SeccompAction defaultAction, SyscallRule... rules) {
    SeccompProfileSpec s = new SeccompProfileSpec();
    s.setDefaultAction(defaultAction);
    s.setArchitectures(new ArrayList<>(List.of(Architecture.SCMP_ARCH_X86_64)));
    s.setSyscalls(new ArrayList<>(List.of(rules)));
    return s;
  }

  public static SyscallRule rule(SeccompAction action, String... names) {
    return new SyscallRule(List.of(names), action);
  }

  public static SyscallRule errno(long errno, String... names) {
    SyscallRule r = rule(SeccompAction.SCMP_ACT_ERRNO, names);
    r.setErrnoRet(errno);
    return r;
  }

  public static SyscallRule withArg(SyscallRule r, int index, long value, ArgOperator op) {
    r.getArgs().add(new SyscallArg(index, value, null, op));
    return r;
  }
}
