package dev.leastprivilege.core.render;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import java.util.List;

/**
 * The node file: the OCI runtime spec's {@code linux.seccomp} object, and nothing else, because
 * containerd silently drops fields it does not know (archMap, includes, excludes).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls"})
public record OciSeccomp(
    String defaultAction,
    Long defaultErrnoRet,
    List<String> architectures,
    List<String> flags,
    List<Rule> syscalls) {

  /** One rule of the file. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonPropertyOrder({"names", "action", "errnoRet", "args"})
  public record Rule(List<String> names, String action, Long errnoRet, List<SyscallArg> args) {}
}
