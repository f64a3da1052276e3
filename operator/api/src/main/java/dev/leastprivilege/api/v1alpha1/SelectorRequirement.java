package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/** A label selector requirement, as in Kubernetes' LabelSelector. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class SelectorRequirement {
  @Required private String key;

  @Required
  @Pattern("^(In|NotIn|Exists|DoesNotExist)$")
  private String operator;

  private List<String> values = new ArrayList<>();

  public SelectorRequirement() {}

  public SelectorRequirement(String key, String operator, List<String> values) {
    this.key = key;
    this.operator = operator;
    this.values = new ArrayList<>(values);
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  public String getOperator() {
    return operator;
  }

  public void setOperator(String operator) {
    this.operator = operator;
  }

  public List<String> getValues() {
    return values;
  }

  public void setValues(List<String> values) {
    this.values = values;
  }
}
