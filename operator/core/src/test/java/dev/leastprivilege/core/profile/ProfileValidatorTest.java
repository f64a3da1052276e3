package dev.leastprivilege.core.profile;

import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ALLOW;
import static dev.leastprivilege.api.v1alpha1.SeccompAction.SCMP_ACT_ERRNO;
import static dev.leastprivilege.core.Specs.errno;
import static dev.leastprivilege.core.Specs.rule;
import static dev.leastprivilege.core.Specs.spec;
import static dev.leastprivilege.core.Specs.withArg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileValidatorTest {
  private static List<String> errors(SeccompProfileSpec s) {
    return ProfileValidator.validate("shop", "web", s).stream().map(FieldError::toString).toList();
  }

  @Test
  void validProfileHasNoErrors() {
    assertEquals(
        List.of(),
        errors(spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read", "write", "exit_group"))));
  }

  @Test
  void unknownSyscallNamesFieldArchitectureAndSuggestion() {
    SeccompProfileSpec s =
        spec(
            SCMP_ACT_ERRNO,
            rule(SCMP_ACT_ALLOW, "read"),
            rule(SCMP_ACT_ALLOW, "read"),
            rule(SCMP_ACT_ALLOW, "write", "chmodd"));
    assertEquals(
        List.of(
            "spec.syscalls[2].names[1]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64"
                + " (did you mean \"chmod\"?)"),
        errors(s));
  }

  @Test
  void aNameKnownOnOneListedArchitectureIsAccepted() {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "_llseek"));
    s.getArchitectures().add(Architecture.SCMP_ARCH_X86);
    assertEquals(List.of(), errors(s));
    assertEquals(List.of(), CrossArchitectureNames.warnings(s), "x86 has _llseek");
  }

  @Test
  void aNameOfOtherArchitecturesOnlyIsAWarningNotAnError() {
    // The shape of SPO's profile-complain-block-high-risk: i386 names in an x86_64 profile.
    SeccompProfileSpec s =
        spec(
            SCMP_ACT_ALLOW,
            rule(SCMP_ACT_ERRNO, "settimeofday", "stime", "umount2", "umount", "vm86old", "vm86"));
    assertEquals(List.of(), errors(s));
    assertEquals(
        List.of(
            "spec.syscalls: 4 names are not a system call on SCMP_ARCH_X86_64: \"stime\""
                + " (spec.syscalls[0].names[1]) is a system call on SCMP_ARCH_X86,"
                + " SCMP_ARCH_PPC64LE; \"umount\" (spec.syscalls[0].names[3]) is a system call on"
                + " SCMP_ARCH_X86, SCMP_ARCH_S390X, SCMP_ARCH_PPC64LE; \"vm86old\""
                + " (spec.syscalls[0].names[4]) is a system call on SCMP_ARCH_X86; \"vm86\""
                + " (spec.syscalls[0].names[5]) is a system call on SCMP_ARCH_X86,"
                + " SCMP_ARCH_PPC64LE. runc and libseccomp skip a name the filter's architecture"
                + " does not have, so these entries have no effect on nodes of the listed"
                + " architectures (they stay in the node file; remove them unless the profile is"
                + " shared with those architectures)"),
        CrossArchitectureNames.warnings(s));
  }

  @Test
  void refusingOnlyAnotherArchitecturesNameForACallUnderDefaultAllowIsAnError() {
    for (SeccompAction permissive : List.of(SCMP_ACT_ALLOW, SeccompAction.SCMP_ACT_LOG)) {
      SeccompProfileSpec s =
          spec(
              permissive,
              rule(SCMP_ACT_ERRNO, "setuid32", "setuid", "mmap2", "_llseek"),
              rule(SeccompAction.SCMP_ACT_KILL_PROCESS, "umount", "_newselect"));
      assertEquals(
          List.of(
              "spec.syscalls[0].names[2]: \"mmap2\" is not a system call on SCMP_ARCH_X86_64, so"
                  + " this rule refuses nothing there, and the profile allows by default; the same"
                  + " call is \"mmap\" there: refuse \"mmap\" too",
              "spec.syscalls[0].names[3]: \"_llseek\" is not a system call on SCMP_ARCH_X86_64,"
                  + " so this rule refuses nothing there, and the profile allows by default; the"
                  + " same call is \"lseek\" there: refuse \"lseek\" too",
              "spec.syscalls[1].names[0]: \"umount\" is not a system call on SCMP_ARCH_X86_64, so"
                  + " this rule refuses nothing there, and the profile allows by default; the same"
                  + " call is \"umount2\" there: refuse \"umount2\" too",
              "spec.syscalls[1].names[1]: \"_newselect\" is not a system call on"
                  + " SCMP_ARCH_X86_64, so this rule refuses nothing there, and the profile allows"
                  + " by default; the same call is \"select\" there: refuse \"select\" too"),
          errors(s),
          permissive.name());
    }
    // An allow-list that allows setgid32 allows nothing more: only a warning.
    assertEquals(List.of(), errors(spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "setgid32"))));
    assertEquals(List.of(), errors(spec(SCMP_ACT_ALLOW, rule(SCMP_ACT_ALLOW, "setgid32"))));
  }

  @Test
  void notifyIsRefusedAsRuncRefusesIt() {
    SeccompProfileSpec s =
        spec(SeccompAction.SCMP_ACT_NOTIFY, rule(SeccompAction.SCMP_ACT_NOTIFY, "mount"));
    assertEquals(
        List.of(
            "spec.defaultAction: " + ProfileValidator.NOTIFY,
            "spec.syscalls[0].action: " + ProfileValidator.NOTIFY),
        errors(s));
  }

  @Test
  void aNameOfNoArchitectureStaysAnErrorBesideCrossArchitectureNames() {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "stime", "chmodd"));
    assertEquals(
        List.of(
            "spec.syscalls[0].names[1]: unknown syscall \"chmodd\" for SCMP_ARCH_X86_64"
                + " (did you mean \"chmod\"?)"),
        errors(s));
  }

  @Test
  void withoutArchitecturesNoNameIsReportedAsForeign() {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "stime"));
    s.setArchitectures(new ArrayList<>());
    assertEquals(List.of(), errors(s));
    assertEquals(List.of(), CrossArchitectureNames.warnings(s), "the node's own may have it");
  }

  @Test
  void withoutArchitecturesAnyKnownArchitectureCounts() {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "_llseek", "set_tls"));
    s.setArchitectures(new ArrayList<>());
    assertEquals(List.of(), errors(s));
  }

  @Test
  void missingDefaultActionAndEmptyNames() {
    SeccompProfileSpec s = spec(null, new SyscallRule(List.of(), SCMP_ACT_ALLOW));
    assertEquals(
        List.of(
            "spec.defaultAction: required; SCMP_ACT_ERRNO makes the profile an allow-list",
            "spec.syscalls[0].names: must list at least one system call"),
        errors(s));
  }

  @Test
  void errnoOutOfRange() {
    SeccompProfileSpec s = spec(SCMP_ACT_ERRNO, errno(5000, "chmod"));
    s.setDefaultErrnoRet(-1L);
    assertEquals(
        List.of(
            "spec.defaultErrnoRet: -1 is out of range: an errno is between 0 and 4095",
            "spec.syscalls[0].errnoRet: 5000 is out of range: an errno is between 0 and 4095"),
        errors(s));
  }

  @Test
  void moreThanSixArgsAndIndexOutOfRange() {
    SyscallRule r = rule(SCMP_ACT_ALLOW, "ioctl");
    for (int i = 0; i < 7; i++) {
      r.getArgs().add(new SyscallArg(i, 1L, null, ArgOperator.SCMP_CMP_EQ));
    }
    assertEquals(
        List.of(
            "spec.syscalls[0].args: has 7 entries; a system call has at most 6 arguments",
            "spec.syscalls[0].args[6].index: 6 is out of range: argument indexes are 0 to 5"),
        errors(spec(SCMP_ACT_ERRNO, r)));
  }

  @Test
  void missingOpIsNamed() {
    SyscallRule r = rule(SCMP_ACT_ALLOW, "ioctl");
    r.getArgs().add(new SyscallArg(0, 1L, null, null));
    assertEquals(List.of("spec.syscalls[0].args[0].op: required"), errors(spec(SCMP_ACT_ERRNO, r)));
  }

  @Test
  void conflictingUnconditionalActionsAreRefused() {
    SeccompProfileSpec s =
        spec(SCMP_ACT_ERRNO, rule(SCMP_ACT_ALLOW, "read", "chmod"), errno(1, "chmod"));
    assertEquals(
        List.of(
            "spec.syscalls[1].names[0]: \"chmod\" is given SCMP_ACT_ERRNO(errno 1) here but"
                + " SCMP_ACT_ALLOW at spec.syscalls[0]; a system call can have only one action without argument rules"),
        errors(s));
  }

  @Test
  void argumentRulesMayGiveOneSyscallSeveralActions() {
    SeccompProfileSpec s =
        spec(
            SCMP_ACT_ALLOW,
            withArg(errno(9, "write"), 0, 2, ArgOperator.SCMP_CMP_EQ),
            rule(SCMP_ACT_ALLOW, "write"));
    assertEquals(List.of(), errors(s));
  }

  @Test
  void namesMustBeKubernetesNames() {
    List<FieldError> e = ProfileValidator.validate("Shop", "../etc", spec(SCMP_ACT_ERRNO));
    assertEquals(
        List.of("metadata.name", "metadata.namespace"), e.stream().map(FieldError::path).toList());
  }
}
