package dev.leastprivilege.core.convert.spo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the converted objects go. Ours are namespaced; SPO's SeccompProfiles are cluster-scoped
 * since SPO v0.9.0 (namespaced before). A profile goes, in this order, to the namespaces its {@code
 * --map} entry names, to the namespaces of the ProfileBindings that bind it, to its own namespace
 * (SPO before v0.9.0), or to the default namespace.
 *
 * @param defaultNamespace for objects that have no namespace and no map entry; null when none was
 *     given
 * @param map SPO profile ("name", or "namespace/name" for a namespaced one) to namespaces
 */
public record SpoNamespaces(String defaultNamespace, Map<String, List<String>> map) {
  public SpoNamespaces {
    map = Map.copyOf(map);
  }

  /**
   * Parses {@code NAME=NS[,NS...]} entries, as the command line gives them.
   *
   * @throws IllegalArgumentException naming the entry that has no '=' or no namespace
   */
  public static SpoNamespaces of(String defaultNamespace, List<String> entries) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (String e : entries == null ? List.<String>of() : entries) {
      int eq = e.indexOf('=');
      List<String> namespaces = new ArrayList<>();
      if (eq > 0) {
        for (String ns : e.substring(eq + 1).split(",")) {
          if (!ns.isBlank() && !namespaces.contains(ns.strip())) {
            namespaces.add(ns.strip());
          }
        }
      }
      if (eq <= 0 || namespaces.isEmpty()) {
        throw new IllegalArgumentException(
            "\"" + e + "\" is not NAME=NAMESPACE[,NAMESPACE...], e.g. web=shop,shop-staging");
      }
      map.merge(
          e.substring(0, eq).strip(),
          namespaces,
          (a, b) -> {
            List<String> all = new ArrayList<>(a);
            b.stream().filter(ns -> !all.contains(ns)).forEach(all::add);
            return all;
          });
    }
    return new SpoNamespaces(defaultNamespace, map);
  }

  /** The map entry of an SPO object: by "namespace/name" first, then by name. */
  Optional<List<String>> mapped(String namespace, String name) {
    if (namespace != null && map.containsKey(namespace + "/" + name)) {
      return Optional.of(map.get(namespace + "/" + name));
    }
    return Optional.ofNullable(map.get(name));
  }
}
