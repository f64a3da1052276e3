package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** What one container name of the recorded pods did, merged over every replica. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecordedContainer {
  /** More names than any architecture's table has: a bound, never reached. */
  public static final int MAX_SYSCALLS = 512;

  @JsonPropertyDescription("Container name.")
  private String name;

  @JsonPropertyDescription("How many pods' containers of this name were recorded.")
  private Integer replicas;

  @JsonPropertyDescription(
      "Recorded system calls beyond the base, each with how many replicas made it.")
  @Size(max = RecordedContainer.MAX_SYSCALLS)
  private List<SyscallCoverage> syscalls = new ArrayList<>();

  @JsonPropertyDescription(
      "Capabilities the container used or was refused (the produced CapabilityPolicy adds them).")
  private List<String> capabilities = new ArrayList<>();

  @JsonPropertyDescription(
      "Whether any replica's system calls were recorded: a SeccompProfile is produced only for such a container name.")
  private Boolean syscallsRecorded;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public List<SyscallCoverage> getSyscalls() {
    return syscalls;
  }

  public void setSyscalls(List<SyscallCoverage> syscalls) {
    this.syscalls = syscalls;
  }

  public List<String> getCapabilities() {
    return capabilities;
  }

  public void setCapabilities(List<String> capabilities) {
    this.capabilities = capabilities;
  }

  public Boolean getSyscallsRecorded() {
    return syscallsRecorded;
  }

  public void setSyscallsRecorded(Boolean syscallsRecorded) {
    this.syscallsRecorded = syscallsRecorded;
  }
}
