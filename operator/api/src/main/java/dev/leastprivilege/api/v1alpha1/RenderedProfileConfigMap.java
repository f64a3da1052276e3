package dev.leastprivilege.api.v1alpha1;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The contract between the operator, which publishes one ConfigMap per valid profile in its own namespace, and
 * the agents, which read them and write the node files. The ConfigMap's name is derived from the profile's
 * identity; its annotations carry that identity and the content hash in full (labels are too short for both).
 */
public final class RenderedProfileConfigMap {
  private static final String PREFIX = ApiNames.GROUP + "/";
  public static final String COMPONENT_LABEL = PREFIX + "component";
  public static final String COMPONENT = "rendered-profile";
  /** Agents watch exactly this selector. */
  public static final String SELECTOR = COMPONENT_LABEL + "=" + COMPONENT;
  public static final String NAMESPACE_LABEL = PREFIX + "profile-namespace";
  public static final String PROFILE_ANNOTATION = PREFIX + "profile";
  public static final String HASH_ANNOTATION = PREFIX + "content-hash";
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "least-privilege-operator";
  public static final String DATA_KEY = "profile.json";

  private RenderedProfileConfigMap() {}

  /** What a ConfigMap says: which profile, its rendered file, and the hash the operator computed. */
  public record Content(String namespace, String name, byte[] json, String contentHash) {}

  /**
   * The ConfigMap name for a profile: {@code seccomp.<namespace>.<name>}. A namespace has no dots, so the name is
   * unambiguous; when it would pass 253 characters, the tail is replaced by a hash.
   */
  public static String nameFor(String namespace, String name) {
    String full = "seccomp." + namespace + "." + name;
    if (full.length() <= 253) {
      return full;
    }
    String hash = Integer.toHexString((namespace + "/" + name).hashCode() & 0x7fffffff);
    String cut = full.substring(0, 253 - hash.length() - 1).replaceAll("[.-]+$", "");
    return cut + "-" + hash;
  }

  public static ConfigMap build(String operatorNamespace, String profileNamespace, String profileName, byte[] json,
      String contentHash) {
    return new ConfigMapBuilder()
        .withNewMetadata()
          .withName(nameFor(profileNamespace, profileName))
          .withNamespace(operatorNamespace)
          .withLabels(Map.of(COMPONENT_LABEL, COMPONENT, MANAGED_BY_LABEL, MANAGED_BY,
              NAMESPACE_LABEL, profileNamespace))
          .withAnnotations(Map.of(PROFILE_ANNOTATION, profileNamespace + "/" + profileName,
              HASH_ANNOTATION, contentHash))
        .endMetadata()
        .withData(Map.of(DATA_KEY, new String(json, StandardCharsets.UTF_8)))
        .build();
  }

  /** The content of one of our ConfigMaps, or empty when it is not one (or is damaged). */
  public static Optional<Content> read(ConfigMap cm) {
    if (cm == null || cm.getMetadata() == null || cm.getMetadata().getAnnotations() == null || cm.getData() == null) {
      return Optional.empty();
    }
    String id = cm.getMetadata().getAnnotations().get(PROFILE_ANNOTATION);
    String hash = cm.getMetadata().getAnnotations().get(HASH_ANNOTATION);
    String json = cm.getData().get(DATA_KEY);
    if (id == null || hash == null || json == null || id.indexOf('/') <= 0) {
      return Optional.empty();
    }
    int slash = id.indexOf('/');
    return Optional.of(new Content(id.substring(0, slash), id.substring(slash + 1),
        json.getBytes(StandardCharsets.UTF_8), hash.toLowerCase(Locale.ROOT)));
  }
}
