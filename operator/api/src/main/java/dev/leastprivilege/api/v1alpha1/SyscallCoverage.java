package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A recorded system call and how many of the recorded replicas made it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SyscallCoverage {
  private String name;

  private Integer replicas;

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
}
