package dev.leastprivilege.core.caps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A pod's capability lists read the way the container runtime reads them, not the way a person
 * would. The API server does not validate these strings. containerd and CRI-O upper-case each
 * entry, compare it with "ALL" without trimming, and otherwise prefix "CAP_"; runc then skips names
 * it does not know. So {@code " ALL"} drops nothing and {@code CAP_NET_BIND_SERVICE} becomes the
 * unknown {@code CAP_CAP_NET_BIND_SERVICE}. Decisions about what a running container holds use this
 * reading; the lists the webhook writes use {@link #canonical}, which every runtime reads as meant.
 */
public final class RuntimeCapabilities {
  private RuntimeCapabilities() {}

  /** What the runtime makes of one drop or add list. */
  public static CapabilityChange.Parsed read(List<String> raw) {
    boolean all = false;
    List<Capability> caps = new ArrayList<>();
    for (String entry : raw) {
      String upper = entry == null ? "" : entry.toUpperCase(Locale.ROOT);
      if (upper.equals(CapabilityChange.ALL)) {
        all = true;
      } else {
        exact("CAP_" + upper).ifPresent(caps::add);
      }
    }
    return new CapabilityChange.Parsed(all, CapabilitySet.of(caps));
  }

  /**
   * Whether every entry is already written as Kubernetes documents it: ALL, or a known name without
   * CAP_.
   */
  public static boolean canonical(List<String> raw) {
    return raw.stream()
        .allMatch(e -> CapabilityChange.ALL.equals(e) || exact("CAP_" + e).isPresent());
  }

  /** The canonical list for a parsed one: ALL, or names without CAP_ in kernel order. */
  public static List<String> canonical(boolean all, CapabilitySet set) {
    return all
        ? List.of(CapabilityChange.ALL)
        : set.capabilities().stream().map(Enum::name).toList();
  }

  private static Optional<Capability> exact(String capName) {
    for (Capability c : Capability.values()) {
      if (c.capName().equals(capName)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
