package dev.leastprivilege.api.wire;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The contract between the operator, which publishes one ConfigMap per valid profile in its own
 * namespace, and the agents, which read them and write the node files. The ConfigMap's name is
 * derived from the profile's identity; its annotations carry that identity and the content hash in
 * full (labels are too short for both).
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

  /**
   * What a ConfigMap says: which profile, its rendered file, and the hash the operator computed.
   */
  public record Content(String namespace, String name, byte[] json, String contentHash) {}

  /**
   * The ConfigMap name for a profile: {@code seccomp.<namespace>.<name>}. A namespace has no dots,
   * so the name is unambiguous; when it would pass {@link ApiNames#MAX_NAME_LENGTH} characters, the
   * tail is replaced by a hash.
   */
  public static String nameFor(String namespace, String name) {
    String full = "seccomp." + namespace + "." + name;
    if (full.length() <= ApiNames.MAX_NAME_LENGTH) {
      return full;
    }
    String hash = Integer.toHexString((namespace + "/" + name).hashCode() & 0x7fffffff);
    String cut =
        full.substring(0, ApiNames.MAX_NAME_LENGTH - hash.length() - 1).replaceAll("[.-]+$", "");
    return cut + "-" + hash;
  }

  public static ConfigMap build(
      String operatorNamespace,
      String profileNamespace,
      String profileName,
      byte[] json,
      String contentHash) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(nameFor(profileNamespace, profileName))
        .withNamespace(operatorNamespace)
        .withLabels(
            Map.of(
                COMPONENT_LABEL,
                COMPONENT,
                MANAGED_BY_LABEL,
                MANAGED_BY,
                NAMESPACE_LABEL,
                profileNamespace))
        .withAnnotations(
            Map.of(
                PROFILE_ANNOTATION,
                profileNamespace + "/" + profileName,
                HASH_ANNOTATION,
                contentHash))
        .endMetadata()
        .withData(Map.of(DATA_KEY, new String(json, StandardCharsets.UTF_8)))
        .build();
  }

  /** Which profile a ConfigMap of ours renders: namespace and name. */
  public record Identity(String namespace, String name) {}

  /** The profile a ConfigMap renders, from its annotations alone (its data need not be loaded). */
  public static Optional<Identity> identity(ConfigMap cm) {
    String id = annotation(cm, PROFILE_ANNOTATION);
    int slash = id == null ? -1 : id.indexOf('/');
    return slash <= 0 || slash == id.length() - 1
        ? Optional.empty()
        : Optional.of(new Identity(id.substring(0, slash), id.substring(slash + 1)));
  }

  /** The content hash the operator published, from the annotations alone. */
  public static Optional<String> contentHash(ConfigMap cm) {
    return Optional.ofNullable(annotation(cm, HASH_ANNOTATION))
        .map(h -> h.toLowerCase(Locale.ROOT));
  }

  /** The whole content of one of our ConfigMaps, or empty when it is not one (or is damaged). */
  public static Optional<Content> read(ConfigMap cm) {
    Optional<Identity> id = identity(cm);
    Optional<String> hash = contentHash(cm);
    String json = cm == null || cm.getData() == null ? null : cm.getData().get(DATA_KEY);
    if (id.isEmpty() || hash.isEmpty() || json == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Content(
            id.get().namespace(),
            id.get().name(),
            json.getBytes(StandardCharsets.UTF_8),
            hash.get()));
  }

  private static String annotation(ConfigMap cm, String key) {
    return cm == null || cm.getMetadata() == null || cm.getMetadata().getAnnotations() == null
        ? null
        : cm.getMetadata().getAnnotations().get(key);
  }
}
