package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/** A status condition, shaped like metav1.Condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  private String type;
  private String status;
  private String reason;
  private String message;
  private Long observedGeneration;
  private String lastTransitionTime;

  public Condition() {}

  public Condition(
      String type,
      String status,
      String reason,
      String message,
      Long observedGeneration,
      String lastTransitionTime) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
    this.observedGeneration = observedGeneration;
    this.lastTransitionTime = lastTransitionTime;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c
        && Objects.equals(type, c.type)
        && Objects.equals(status, c.status)
        && Objects.equals(reason, c.reason)
        && Objects.equals(message, c.message)
        && Objects.equals(observedGeneration, c.observedGeneration)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, reason, message, observedGeneration);
  }
}
