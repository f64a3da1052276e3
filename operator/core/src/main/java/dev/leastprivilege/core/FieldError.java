package dev.leastprivilege.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A problem with one field of an object, e.g. {@code spec.syscalls[2].names[1]: unknown syscall
 * "chmodd"}.
 */
public record FieldError(String path, String message) {
  /** How many errors a status message lists; {@code lpo lint} lists them all. */
  public static final int MAX_LISTED = 5;

  /** The longest error a status message or Event quotes, so that no message grows with input. */
  public static final int MAX_LENGTH = 400;

  @Override
  public String toString() {
    return path + ": " + message;
  }

  /** This error, cut to {@link #MAX_LENGTH} characters. */
  public String brief() {
    String s = toString();
    return s.length() <= MAX_LENGTH ? s : s.substring(0, MAX_LENGTH) + "…";
  }

  /**
   * The first {@link #MAX_LISTED} errors for a status or an Event, each {@link #brief()}: a status
   * lives in the same etcd object as the spec, so its size must not grow with the spec's.
   */
  public static String summary(List<FieldError> errors) {
    String listed =
        errors.stream().limit(MAX_LISTED).map(FieldError::brief).collect(Collectors.joining("; "));
    return errors.size() <= MAX_LISTED
        ? listed
        : listed + "; and " + (errors.size() - MAX_LISTED) + " more (lpo lint lists them all)";
  }
}
