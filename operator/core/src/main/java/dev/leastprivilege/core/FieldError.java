package dev.leastprivilege.core;

/**
 * A problem with one field of an object, e.g. {@code spec.syscalls[2].names[1]: unknown syscall
 * "chmodd"}.
 */
public record FieldError(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
