package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/**
 * A seccomp profile. The first fields keep the names of SPO's SeccompProfile and the OCI runtime
 * spec, so a profile migrates by changing its apiVersion.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({
  "mode",
  "baseProfileName",
  "defaultAction",
  "defaultErrnoRet",
  "architectures",
  "flags",
  "syscalls",
  "podSelector",
  "containerNames",
  "restartNonCompliant"
})
public class SeccompProfileSpec {
  @Required
  @JsonPropertyDescription("Action for every system call no rule matches.")
  private SeccompAction defaultAction;

  @Min(0)
  @Max(4095)
  @JsonPropertyDescription("errno returned by a SCMP_ACT_ERRNO defaultAction (default EPERM).")
  private Long defaultErrnoRet;

  @JsonPropertyDescription("Architectures the filter covers; empty means the node's native one.")
  private List<Architecture> architectures = new ArrayList<>();

  @JsonPropertyDescription("Flags for loading the filter.")
  private List<SeccompFlag> flags = new ArrayList<>();

  @JsonPropertyDescription(
      "Rules, evaluated by the kernel as one filter. The rendered profile, with its bases, may have"
          + " at most 200 rules and 32 KiB (see the limits in concepts.md).")
  private List<SyscallRule> syscalls = new ArrayList<>();

  @Pattern(ApiNames.BASE_PROFILE_NAME)
  @JsonPropertyDescription(
      "A profile of the same namespace, or builtin:<name>, whose rules this one extends.")
  private String baseProfileName;

  @JsonPropertyDescription(
      "Enforce (default) applies the rules; Audit logs every call they would refuse.")
  // Defaulted by the API server, so `kubectl get` shows the mode a profile or policy really has.
  @Default("Enforce")
  private Mode mode;

  @JsonPropertyDescription(
      "Pods of this namespace that get this profile at admission. An invalid selector (e.g. In"
          + " without values) makes the profile invalid and selects every pod until it is fixed.")
  private PodSelector podSelector;

  @JsonPropertyDescription("Only these containers of a selected pod; empty means all of them.")
  private List<@Pattern(ApiNames.DNS_LABEL) String> containerNames = new ArrayList<>();

  @JsonPropertyDescription(
      "Restart the Deployments, StatefulSets and DaemonSets whose running pods the profile selects"
          + " but which run without it, as `kubectl rollout restart` does, once the profile is"
          + " installed on every node, and once per change of the objects that ask to restart the"
          + " workload. Only where the installation enables restarts (the chart's"
          + " operator.restartWorkloads); ignored in Audit mode. Off by default.")
  private Boolean restartNonCompliant;

  public Boolean getRestartNonCompliant() {
    return restartNonCompliant;
  }

  public void setRestartNonCompliant(Boolean restartNonCompliant) {
    this.restartNonCompliant = restartNonCompliant;
  }

  public SeccompAction getDefaultAction() {
    return defaultAction;
  }

  public void setDefaultAction(SeccompAction defaultAction) {
    this.defaultAction = defaultAction;
  }

  public Long getDefaultErrnoRet() {
    return defaultErrnoRet;
  }

  public void setDefaultErrnoRet(Long defaultErrnoRet) {
    this.defaultErrnoRet = defaultErrnoRet;
  }

  public List<Architecture> getArchitectures() {
    return architectures;
  }

  public void setArchitectures(List<Architecture> architectures) {
    this.architectures = architectures;
  }

  public List<SeccompFlag> getFlags() {
    return flags;
  }

  public void setFlags(List<SeccompFlag> flags) {
    this.flags = flags;
  }

  public List<SyscallRule> getSyscalls() {
    return syscalls;
  }

  public void setSyscalls(List<SyscallRule> syscalls) {
    this.syscalls = syscalls;
  }

  public String getBaseProfileName() {
    return baseProfileName;
  }

  public void setBaseProfileName(String baseProfileName) {
    this.baseProfileName = baseProfileName;
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public PodSelector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(PodSelector podSelector) {
    this.podSelector = podSelector;
  }

  public List<String> getContainerNames() {
    return containerNames;
  }

  public void setContainerNames(List<String> containerNames) {
    this.containerNames = containerNames;
  }
}
