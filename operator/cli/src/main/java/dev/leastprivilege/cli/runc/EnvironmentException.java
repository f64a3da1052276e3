package dev.leastprivilege.cli.runc;

/** Something lpo needs from the machine is missing; the message says how to get it. */
public final class EnvironmentException extends Exception {
  public EnvironmentException(String message) {
    super(message);
  }
}
