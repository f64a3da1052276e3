package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.cli.runc.CapabilityTrace;
import dev.leastprivilege.cli.runc.ContainerRunner;
import dev.leastprivilege.cli.runc.EnvironmentException;
import dev.leastprivilege.cli.runc.KernelLog;
import dev.leastprivilege.cli.runc.RunSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.record.AuditRecords;
import dev.leastprivilege.core.record.ContainerCapabilityTrace;
import dev.leastprivilege.core.record.RecordedProfiles;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Records the syscalls a command makes and writes the allow-list profile that permits exactly
 * those. It runs the command under a filter whose default action is SCMP_ACT_LOG, then reads the
 * kernel's audit records.
 */
@Command(
    name = "record",
    mixinStandardHelpOptions = true,
    description = {
      "Run CMD under runc with every syscall logged (SCMP_ACT_LOG), and write a SeccompProfile that"
          + " allows exactly the syscalls it made. Needs root, runc and the kernel log (dmesg).",
      "With --base, the recorded syscalls are added to an existing profile's allowed ones.",
      "With --capabilities, the capabilities the command used are recorded too (the kernel's"
          + " capability:cap_capable trace event, through tracefs), into a CapabilityPolicy."
    })
final class RecordCommand implements Callable<Integer> {
  @Option(names = "--name", required = true, paramLabel = "NS/NAME", converter = ProfileName.class)
  ProfileRef name;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE",
      description =
          "Write the profile here (the container's output then goes to stdout); default: stdout (the"
              + " container's output then goes to stderr).")
  Path out;

  @Option(
      names = "--base",
      paramLabel = "FILE",
      description = "A profile whose allowed syscalls to keep.")
  Path base;

  @Option(
      names = "--default-action",
      description = "defaultAction of the recorded profile (default:" + " ${DEFAULT-VALUE}).")
  SeccompAction defaultAction = SeccompAction.SCMP_ACT_ERRNO;

  @Option(
      names = "--audit-log",
      paramLabel = "FILE",
      description =
          "Read records from this audit log (when auditd runs) instead of the kernel log.")
  Path auditLog;

  @Option(
      names = "--capabilities",
      description =
          "Record the capabilities CMD used as well, and write a CapabilityPolicy (drop: [ALL], add:"
              + " what was used). Needs tracefs and a kernel with the capability:cap_capable event.")
  boolean capabilities;

  @Option(
      names = "--capability-policy-out",
      paramLabel = "FILE",
      description =
          "Write the CapabilityPolicy here (implies --capabilities); default: stdout, after the"
              + " profile.")
  Path capabilityPolicyOut;

  @Mixin ContainerOptions container;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "Command and arguments, after --.")
  List<String> command;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Set<String> allowed = new TreeSet<>();
    if (base != null) {
      Optional<CompiledProfile> b = ProfileLoader.load(base, null, err);
      if (b.isEmpty()) {
        err.flush();
        return 1;
      }
      allowed.addAll(RecordedProfiles.allowedBy(b.get().effective()));
    }
    Architecture arch = SyscallTables.host().orElse(Architecture.SCMP_ARCH_X86_64);
    JsonNode logAll =
        new ObjectMapper()
            .readTree("{\"defaultAction\":\"SCMP_ACT_LOG\",\"architectures\":[\"" + arch + "\"]}");
    List<FieldError> errors = new ArrayList<>();
    RunSpec run = container.runSpec(command, Optional.of(logAll), errors);
    if (run == null) {
      errors.forEach(e -> err.println("error: " + e));
      err.flush();
      return 1;
    }
    boolean recordCapabilities = capabilities || capabilityPolicyOut != null;
    long since = System.currentTimeMillis() / 1000 - 1;
    ContainerRunner.Result result;
    AuditRecords.Recording recording;
    ContainerCapabilityTrace.Result used = null;
    try (KernelLog log = KernelLog.open(err);
        CapabilityTrace trace = recordCapabilities ? CapabilityTrace.open(err) : null) {
      if (trace == null) {
        result = ContainerRunner.capture(run);
      } else {
        result = ContainerRunner.capture(run, trace::follow);
        ContainerCapabilityTrace tree = new ContainerCapabilityTrace(result.pid());
        trace.stop().forEach(tree::feed);
        used = tree.finish();
      }
      String text = auditLog != null ? Files.readString(auditLog) : log.read();
      recording = AuditRecords.parse(text, result.pid(), since);
    } catch (EnvironmentException e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return Lpo.ENVIRONMENT_ERROR;
    }
    PrintWriter containerOut = out == null ? err : spec.commandLine().getOut();
    containerOut.print(result.stdout());
    err.print(result.stderr());
    if (recording.all().isEmpty()) {
      err.println(
          "error: no seccomp audit records for the container (pid "
              + result.pid()
              + "); if auditd runs,"
              + " pass --audit-log /var/log/audit/audit.log");
      err.flush();
      return 1;
    }
    recording.unnamed().forEach(u -> err.println("warning: no name for " + u + "; it is left out"));
    Set<String> recorded = RecordedProfiles.withGaps(recording.all());
    Set<String> added = new TreeSet<>(recorded);
    added.removeAll(allowed);
    SeccompProfileSpec profile =
        RecordedProfiles.seccomp(
            allowed,
            recording.all(),
            new ArrayList<>(recording.syscalls().keySet()),
            defaultAction);
    List<String> comments =
        List.of(
            "Recorded by lpo record from: "
                + String.join(" ", command)
                + " (exit code "
                + result.exitCode()
                + ")",
            (base == null ? "" : "New since " + base + ": ")
                + added.size()
                + " syscalls"
                + (base == null ? "" : " " + added));
    String yaml = ProfileYaml.write(name, profile, comments);
    if (out != null) {
      Files.writeString(out, yaml);
      err.println("recorded " + recorded.size() + " syscalls into " + out);
    } else {
      spec.commandLine().getOut().print(yaml);
    }
    if (used != null) {
      writePolicy(used, result, out == null, err);
    }
    spec.commandLine().getOut().flush();
    err.flush();
    return 0;
  }

  private void writePolicy(
      ContainerCapabilityTrace.Result used,
      ContainerRunner.Result result,
      boolean afterProfileOnStdout,
      PrintWriter err)
      throws java.io.IOException {
    if (!used.workloadStarted()) {
      err.println(
          "warning: the trace shows no exec of the container's process (pid "
              + result.pid()
              + "); the CapabilityPolicy may miss capabilities");
    }
    CapabilityPolicySpec policy = RecordedProfiles.capabilities(used.needed());
    List<String> comments =
        List.of(
            "Recorded by lpo record from: "
                + String.join(" ", command)
                + " (exit code "
                + result.exitCode()
                + ")",
            "Capabilities used: "
                + (policy.getAdd().isEmpty() ? "none" : String.join(", ", policy.getAdd())),
            "Left out: "
                + used.incidentalChecks()
                + " checks that do not mean a need (e.g. memory accounting), "
                + used.runtimeChecks()
                + " made by the container runtime before the command's exec, "
                + used.refusedButSucceeded()
                + " refused checks whose syscall succeeded anyway");
    String yaml = ProfileYaml.write(name, policy, comments);
    if (capabilityPolicyOut != null) {
      Files.writeString(capabilityPolicyOut, yaml);
      err.println(
          "recorded "
              + policy.getAdd().size()
              + " capabilities into "
              + capabilityPolicyOut
              + (policy.getAdd().isEmpty() ? "" : ": " + String.join(", ", policy.getAdd())));
    } else {
      PrintWriter stdout = spec.commandLine().getOut();
      if (afterProfileOnStdout) {
        stdout.println("---");
      }
      stdout.print(yaml);
    }
  }
}
