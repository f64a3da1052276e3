package dev.leastprivilege.core.caps;

import dev.leastprivilege.core.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A securityContext's {@code capabilities: {drop, add}} applied to a runtime's default set, the way
 * containerd and Docker apply it: ALL in add starts from every capability, ALL in drop starts from
 * none, then drop is taken away and add is put in (so a name in both add and drop is kept).
 */
public record CapabilityChange(
    boolean dropAll, CapabilitySet drop, boolean addAll, CapabilitySet add) {
  public static final String ALL = "ALL";

  public static CapabilityChange none() {
    return new CapabilityChange(false, CapabilitySet.EMPTY, false, CapabilitySet.EMPTY);
  }

  /**
   * Parses drop and add lists; every unknown name becomes an error at {@code <field>[i]}.
   *
   * @param dropField field path of the drop list, e.g. "spec.drop"
   */
  public static CapabilityChange parse(
      List<String> drop,
      String dropField,
      List<String> add,
      String addField,
      List<FieldError> errors) {
    Parsed d = parseList(drop, dropField, errors);
    Parsed a = parseList(add, addField, errors);
    return new CapabilityChange(d.all, d.set, a.all, a.set);
  }

  /** The set a container ends up with: bounding, permitted and effective in containerd. */
  public CapabilitySet applyTo(CapabilitySet runtimeDefault) {
    CapabilitySet base = addAll ? CapabilitySet.ALL : runtimeDefault;
    base = dropAll ? CapabilitySet.EMPTY : base.minus(drop);
    return base.union(addAll ? CapabilitySet.ALL : add);
  }

  /** Parses a list of names where ALL is allowed (Kubernetes drop/add lists). */
  public static Parsed parseList(List<String> names, String field, List<FieldError> errors) {
    boolean all = false;
    List<Capability> caps = new ArrayList<>();
    for (int i = 0; names != null && i < names.size(); i++) {
      String n = names.get(i);
      if (n != null && n.trim().toUpperCase(Locale.ROOT).equals(ALL)) {
        all = true;
        continue;
      }
      int index = i;
      Capability.parse(n)
          .ifPresentOrElse(
              caps::add,
              () ->
                  errors.add(
                      new FieldError(
                          field + "[" + index + "]",
                          "unknown capability \""
                              + n
                              + "\"; expected a Linux capability such as NET_BIND_SERVICE or CAP_CHOWN,"
                              + " or ALL")));
    }
    return new Parsed(all, CapabilitySet.of(caps));
  }

  /** A parsed list: whether it said ALL, and the named capabilities. */
  public record Parsed(boolean all, CapabilitySet set) {
    public CapabilitySet expanded() {
      return all ? CapabilitySet.ALL : set;
    }
  }
}
