package dev.leastprivilege.core.syscall;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** The system calls one architecture has, by name and number. */
public final class SyscallTable {
  private final Architecture architecture;
  private final Map<String, Integer> numbersByName;
  private final Map<Integer, String> namesByNumber;

  SyscallTable(
      Architecture architecture,
      Map<String, Integer> numbersByName,
      Map<Integer, String> namesByNumber) {
    this.architecture = architecture;
    this.numbersByName = Collections.unmodifiableMap(numbersByName);
    this.namesByNumber = Collections.unmodifiableMap(namesByNumber);
  }

  public Architecture architecture() {
    return architecture;
  }

  public boolean knows(String name) {
    return numbersByName.containsKey(name);
  }

  public Set<String> names() {
    return numbersByName.keySet();
  }

  public OptionalInt number(String name) {
    Integer n = numbersByName.get(name);
    return n == null ? OptionalInt.empty() : OptionalInt.of(n);
  }

  /** The name of a syscall number, or null when this architecture has none. */
  public String name(int number) {
    return namesByNumber.get(number);
  }
}
