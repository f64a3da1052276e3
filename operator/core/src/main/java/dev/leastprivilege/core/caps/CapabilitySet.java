package dev.leastprivilege.core.caps;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;

/** An immutable set of capabilities, convertible to and from the kernel's 64-bit mask. */
public final class CapabilitySet {
  public static final CapabilitySet EMPTY = new CapabilitySet(0L);
  public static final CapabilitySet ALL = new CapabilitySet((1L << Capability.values().length) - 1);

  private final long mask;

  private CapabilitySet(long mask) {
    this.mask = mask;
  }

  public static CapabilitySet of(Collection<Capability> caps) {
    long m = 0;
    for (Capability c : caps) {
      m |= 1L << c.number();
    }
    return new CapabilitySet(m);
  }

  public static CapabilitySet of(Capability... caps) {
    return of(List.of(caps));
  }

  /**
   * Any 64-bit mask; bits above the last known capability are kept, as the kernel would report
   * them.
   */
  public static CapabilitySet ofMask(long mask) {
    return new CapabilitySet(mask);
  }

  /**
   * Parses a hex mask as /proc/PID/status prints it and capsh --decode takes it: with or without
   * 0x.
   *
   * @throws IllegalArgumentException naming the bad input
   */
  public static CapabilitySet decode(String hex) {
    String digits = hex.trim();
    if (digits.startsWith("0x") || digits.startsWith("0X")) {
      digits = digits.substring(2);
    }
    if (digits.isEmpty() || digits.length() > 16 || !digits.matches("[0-9a-fA-F]+")) {
      throw new IllegalArgumentException(
          "not a hex capability mask: \""
              + hex
              + "\" (expected up to 16 hex digits,"
              + " e.g. 0x00000000800405fb)");
    }
    return new CapabilitySet(Long.parseUnsignedLong(digits, 16));
  }

  public long mask() {
    return mask;
  }

  /** The mask as /proc/PID/status prints it: 0x and 16 hex digits. */
  public String encode() {
    return String.format(Locale.ROOT, "0x%016x", mask);
  }

  public boolean contains(Capability c) {
    return (mask & (1L << c.number())) != 0;
  }

  public boolean isEmpty() {
    return mask == 0;
  }

  public CapabilitySet union(CapabilitySet other) {
    return new CapabilitySet(mask | other.mask);
  }

  public CapabilitySet intersect(CapabilitySet other) {
    return new CapabilitySet(mask & other.mask);
  }

  public CapabilitySet minus(CapabilitySet other) {
    return new CapabilitySet(mask & ~other.mask);
  }

  /** The known capabilities in the set, in kernel order. */
  public Set<Capability> capabilities() {
    EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
    for (Capability c : Capability.values()) {
      if (contains(c)) {
        set.add(c);
      }
    }
    return set;
  }

  /** CAP_ names in kernel order, as a pod's securityContext or an OCI config lists them. */
  public List<String> capNames() {
    List<String> names = new ArrayList<>();
    for (Capability c : capabilities()) {
      names.add(c.capName());
    }
    return names;
  }

  /**
   * The set as capsh --decode prints it: cap_chown,cap_dac_override,... in bit order. A bit the
   * kernel may know but this build does not is printed as its number, as capsh does for names it
   * lacks.
   */
  public String toCapshString() {
    StringJoiner joiner = new StringJoiner(",");
    for (int bit = 0; bit < 64; bit++) {
      if ((mask & (1L << bit)) != 0) {
        int b = bit;
        joiner.add(Capability.ofNumber(bit).map(Capability::lowerName).orElse(Integer.toString(b)));
      }
    }
    return joiner.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapabilitySet s && s.mask == mask;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(mask);
  }

  @Override
  public String toString() {
    return capNames().toString();
  }
}
