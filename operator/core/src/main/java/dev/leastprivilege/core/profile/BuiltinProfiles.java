package dev.leastprivilege.core.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Base profiles shipped with the product, referenced as {@code baseProfileName: builtin:<name>}.
 */
public final class BuiltinProfiles {
  public static final String RUNTIME_BASELINE = "runtime-baseline";
  private static final Map<String, Builtin> BUILTINS = load(RUNTIME_BASELINE);

  /** A built-in profile and the text that says where its rules come from. */
  public record Builtin(String name, String description, SeccompProfileSpec spec) {}

  private BuiltinProfiles() {}

  public static boolean isBuiltinReference(String baseProfileName) {
    return baseProfileName != null && baseProfileName.startsWith(ApiNames.BUILTIN_PREFIX);
  }

  /** Looks up "runtime-baseline" or "builtin:runtime-baseline". */
  public static Optional<Builtin> find(String name) {
    String bare =
        isBuiltinReference(name) ? name.substring(ApiNames.BUILTIN_PREFIX.length()) : name;
    return Optional.ofNullable(BUILTINS.get(bare));
  }

  public static Set<String> names() {
    return BUILTINS.keySet();
  }

  private static Map<String, Builtin> load(String... names) {
    ObjectMapper mapper = new ObjectMapper();
    Map<String, Builtin> map = new LinkedHashMap<>();
    for (String name : names) {
      String resource = "/dev/leastprivilege/core/builtin/" + name + ".json";
      try (InputStream in = BuiltinProfiles.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("missing built-in profile " + resource);
        }
        JsonNode node = mapper.readTree(in);
        map.put(
            name,
            new Builtin(
                name,
                node.path("description").asText(),
                mapper.treeToValue(node.get("spec"), SeccompProfileSpec.class)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return map;
  }
}
