package dev.leastprivilege.core.convert.spo;

/**
 * Something the migration says about one input object: an error (the object is not converted), or a
 * note (it is converted, or skipped on purpose, and the reader should know why).
 *
 * @param object how the input names it, e.g. "SeccompProfile high-risk" or "ProfileBinding
 *     app/nginx"
 * @param field the input field, e.g. "spec.baseProfileName"; empty for the whole object
 */
public record SpoFinding(Severity severity, String object, String field, String message) {
  public enum Severity {
    ERROR,
    NOTE
  }

  static SpoFinding error(String object, String field, String message) {
    return new SpoFinding(Severity.ERROR, object, field, message);
  }

  static SpoFinding note(String object, String field, String message) {
    return new SpoFinding(Severity.NOTE, object, field, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** "SeccompProfile high-risk: spec.baseProfileName: ...". */
  @Override
  public String toString() {
    return object + ": " + (field.isEmpty() ? "" : field + ": ") + message;
  }
}
