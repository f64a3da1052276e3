package dev.leastprivilege.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One comparison on a system call argument. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"index", "value", "valueTwo", "op"})
public class SyscallArg {
  @Required
  @Min(0)
  @Max(5)
  @JsonPropertyDescription("Zero-based argument position (0 to 5).")
  private Integer index;

  @Required
  @Min(0)
  @JsonPropertyDescription("Value compared against the argument.")
  private Long value;

  @Min(0)
  @JsonPropertyDescription(
      "Second value: the expected result for SCMP_CMP_MASKED_EQ (value is the mask).")
  private Long valueTwo;

  @Required
  @JsonPropertyDescription("Comparison operator.")
  private ArgOperator op;

  public SyscallArg() {}

  public SyscallArg(Integer index, Long value, Long valueTwo, ArgOperator op) {
    this.index = index;
    this.value = value;
    this.valueTwo = valueTwo;
    this.op = op;
  }

  public Integer getIndex() {
    return index;
  }

  public void setIndex(Integer index) {
    this.index = index;
  }

  public Long getValue() {
    return value;
  }

  public void setValue(Long value) {
    this.value = value;
  }

  public Long getValueTwo() {
    return valueTwo;
  }

  public void setValueTwo(Long valueTwo) {
    this.valueTwo = valueTwo;
  }

  public ArgOperator getOp() {
    return op;
  }

  public void setOp(ArgOperator op) {
    this.op = op;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SyscallArg a
        && Objects.equals(index, a.index)
        && Objects.equals(value, a.value)
        && Objects.equals(valueTwo, a.valueTwo)
        && op == a.op;
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, value, valueTwo, op);
  }
}
