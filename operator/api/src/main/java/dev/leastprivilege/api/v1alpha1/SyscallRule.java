package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** An action for a set of system calls, optionally only when their arguments match. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"names", "action", "errnoRet", "args"})
public class SyscallRule {
  @Required
  @Size(min = 1)
  @JsonPropertyDescription("System call names, e.g. chmod, fchmodat.")
  private List<String> names = new ArrayList<>();

  @Required
  @JsonPropertyDescription("Action taken when the call (and its args, if any) match.")
  private SeccompAction action;

  @Min(0)
  @Max(4095)
  @JsonPropertyDescription(
      "errno returned with SCMP_ACT_ERRNO (or the tracer message with SCMP_ACT_TRACE).")
  private Long errnoRet;

  @Size(max = 6)
  @JsonPropertyDescription("Argument comparisons, all of which must match (at most 6).")
  private List<SyscallArg> args = new ArrayList<>();

  public SyscallRule() {}

  public SyscallRule(List<String> names, SeccompAction action) {
    this.names = new ArrayList<>(names);
    this.action = action;
  }

  public List<String> getNames() {
    return names;
  }

  public void setNames(List<String> names) {
    this.names = names;
  }

  public SeccompAction getAction() {
    return action;
  }

  public void setAction(SeccompAction action) {
    this.action = action;
  }

  public Long getErrnoRet() {
    return errnoRet;
  }

  public void setErrnoRet(Long errnoRet) {
    this.errnoRet = errnoRet;
  }

  public List<SyscallArg> getArgs() {
    return args;
  }

  public void setArgs(List<SyscallArg> args) {
    this.args = args;
  }
}
