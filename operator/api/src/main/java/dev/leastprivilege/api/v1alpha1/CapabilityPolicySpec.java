package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.util.ArrayList;
import java.util.List;

/** Which Linux capabilities the selected containers keep. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({
  "mode",
  "podSelector",
  "containerNames",
  "drop",
  "add",
  "allowed",
  "restartNonCompliant"
})
public class CapabilityPolicySpec {
  @JsonPropertyDescription(
      "Pods of this namespace the policy applies to. An invalid selector (e.g. In without values)"
          + " makes the policy invalid and selects every pod until it is fixed.")
  private PodSelector podSelector;

  @JsonPropertyDescription("Only these containers of a selected pod; empty means all of them.")
  private List<@Pattern(ApiNames.DNS_LABEL) String> containerNames = new ArrayList<>();

  @JsonPropertyDescription(
      "Enforce (default) refuses pods asking for more; Audit admits them with a warning.")
  // Defaulted by the API server, so `kubectl get` shows the mode a profile or policy really has.
  @Default("Enforce")
  private Mode mode;

  @JsonPropertyDescription("Capabilities dropped from every selected container; empty means [ALL].")
  private List<@Pattern(ApiNames.CAPABILITY_NAME) String> drop = new ArrayList<>();

  @JsonPropertyDescription("Capabilities added to every selected container.")
  private List<@Pattern(ApiNames.CAPABILITY_NAME) String> add = new ArrayList<>();

  @JsonPropertyDescription(
      "Capabilities a container may ask for itself; anything else is a violation.")
  private List<@Pattern(ApiNames.CAPABILITY_NAME) String> allowed = new ArrayList<>();

  @JsonPropertyDescription(
      "Restart the Deployments, StatefulSets and DaemonSets whose running pods do not comply, as"
          + " `kubectl rollout restart` does, once per change of the objects that ask to restart the"
          + " workload. Only where the installation enables restarts (the chart's"
          + " operator.restartWorkloads); ignored in Audit mode. Off by default.")
  private Boolean restartNonCompliant;

  public Boolean getRestartNonCompliant() {
    return restartNonCompliant;
  }

  public void setRestartNonCompliant(Boolean restartNonCompliant) {
    this.restartNonCompliant = restartNonCompliant;
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

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public List<String> getDrop() {
    return drop;
  }

  public void setDrop(List<String> drop) {
    this.drop = drop;
  }

  public List<String> getAdd() {
    return add;
  }

  public void setAdd(List<String> add) {
    this.add = add;
  }

  public List<String> getAllowed() {
    return allowed;
  }

  public void setAllowed(List<String> allowed) {
    this.allowed = allowed;
  }
}
