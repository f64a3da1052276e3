package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * Written only by the operator. Lists are bounded and always sent, so a merge patch can empty them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProfileRecordingStatus {
  public static final int MAX_CONTAINERS = 32;
  public static final int MAX_WARNINGS = 16;

  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Recording, Completed or Failed.")
  private RecordingPhase phase;

  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("How many pods were recorded, over every node.")
  private Integer recordedPods;

  @JsonPropertyDescription("One entry per container name: what the replicas did, merged.")
  @Size(max = ProfileRecordingStatus.MAX_CONTAINERS)
  private List<RecordedContainer> containers = new ArrayList<>();

  @JsonPropertyDescription(
      "Kernel records lost on the recorded pods' nodes while recording (rate limits, a full log buffer). Non-zero means the result may be short: record again with the limits raised.")
  private Long lostRecords;

  @JsonPropertyDescription(
      "Records whose process exited before the recorder could name its container.")
  private Long unattributedRecords;

  @JsonPropertyDescription(
      "Pods or containers that cannot be recorded, and why (privileged containers run unconfined; an Enforce profile or policy that selects the pod wins).")
  @Size(max = ProfileRecordingStatus.MAX_WARNINGS)
  private List<String> warnings = new ArrayList<>();

  @JsonPropertyDescription("The objects produced when the recording ended.")
  private List<ProducedObject> results = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public RecordingPhase getPhase() {
    return phase;
  }

  public void setPhase(RecordingPhase phase) {
    this.phase = phase;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Integer getRecordedPods() {
    return recordedPods;
  }

  public void setRecordedPods(Integer recordedPods) {
    this.recordedPods = recordedPods;
  }

  public List<RecordedContainer> getContainers() {
    return containers;
  }

  public void setContainers(List<RecordedContainer> containers) {
    this.containers = containers;
  }

  public Long getLostRecords() {
    return lostRecords;
  }

  public void setLostRecords(Long lostRecords) {
    this.lostRecords = lostRecords;
  }

  public Long getUnattributedRecords() {
    return unattributedRecords;
  }

  public void setUnattributedRecords(Long unattributedRecords) {
    this.unattributedRecords = unattributedRecords;
  }

  public List<String> getWarnings() {
    return warnings;
  }

  public void setWarnings(List<String> warnings) {
    this.warnings = warnings;
  }

  public List<ProducedObject> getResults() {
    return results;
  }

  public void setResults(List<ProducedObject> results) {
    this.results = results;
  }
}
