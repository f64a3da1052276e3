package dev.leastprivilege.api.wire;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

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

  /**
   * Marks a tombstone: the profile is being removed. The operator writes it before it deletes the
   * ConfigMap, so that each node's removal is confirmed by a revision like any other change.
   */
  public static final String REMOVED_ANNOTATION = PREFIX + "removed";

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
   * so the name is unambiguous. When it would pass {@link ApiNames#MAX_NAME_LENGTH} characters (a
   * profile name of over about 180 characters), its tail is replaced by {@code -} and the SHA-256
   * of {@code <namespace>/<name>} in hex, so that two long names never share a ConfigMap. (Versions
   * before this one used a 32-bit hash there, which two names could share; the operator replaces
   * such a ConfigMap by one under this name.) Whoever owns the name, the ConfigMap's {@link
   * #PROFILE_ANNOTATION} says which profile it renders, and the operator never writes one that
   * renders another profile.
   */
  public static String nameFor(String namespace, String name) {
    String full = "seccomp." + namespace + "." + name;
    if (full.length() <= ApiNames.MAX_NAME_LENGTH) {
      return full;
    }
    String hash = sha256(namespace + "/" + name);
    String cut =
        full.substring(0, ApiNames.MAX_NAME_LENGTH - hash.length() - 1).replaceAll("[.-]+$", "");
    return cut + "-" + hash;
  }

  /** Whether a ConfigMap of ours renders exactly this profile (its annotation names it). */
  public static boolean rendersProfile(ConfigMap cm, String namespace, String name) {
    return identity(cm).equals(Optional.of(new Identity(namespace, name)));
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public static ConfigMap build(
      String operatorNamespace,
      String profileNamespace,
      String profileName,
      byte[] json,
      String contentHash) {
    return new ConfigMapBuilder()
        .withMetadata(
            metadata(
                operatorNamespace,
                profileNamespace,
                profileName,
                Map.of(
                    PROFILE_ANNOTATION,
                    profileNamespace + "/" + profileName,
                    HASH_ANNOTATION,
                    contentHash)))
        .withData(Map.of(DATA_KEY, new String(json, StandardCharsets.UTF_8)))
        .build();
  }

  /** The tombstone that replaces a profile's ConfigMap while the nodes remove its file. */
  public static ConfigMap tombstone(
      String operatorNamespace, String profileNamespace, String profileName) {
    return new ConfigMapBuilder()
        .withMetadata(
            metadata(
                operatorNamespace,
                profileNamespace,
                profileName,
                Map.of(
                    PROFILE_ANNOTATION,
                    profileNamespace + "/" + profileName,
                    REMOVED_ANNOTATION,
                    "true")))
        .build();
  }

  private static ObjectMeta metadata(
      String operatorNamespace,
      String profileNamespace,
      String profileName,
      Map<String, String> annotations) {
    return new ObjectMetaBuilder()
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
        .withAnnotations(annotations)
        .build();
  }

  /** Whether this ConfigMap is a tombstone: the nodes must remove the profile's file. */
  public static boolean isTombstone(ConfigMap cm) {
    return "true".equals(annotation(cm, REMOVED_ANNOTATION));
  }

  /**
   * Where a change of a ConfigMap stands in the order the agents' watch delivers changes: its
   * resourceVersion, which the API server takes from etcd's revision, a number that grows with
   * every write. Empty when it is not a number (an API server that does not work that way).
   */
  public static OptionalLong revision(ConfigMap cm) {
    return cm == null || cm.getMetadata() == null
        ? OptionalLong.empty()
        : parseRevision(cm.getMetadata().getResourceVersion());
  }

  /** A resourceVersion as a revision number; empty when it is not one. */
  public static OptionalLong parseRevision(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.length() > 18) {
      return OptionalLong.empty();
    }
    for (int i = 0; i < resourceVersion.length(); i++) {
      char c = resourceVersion.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.of(Long.parseLong(resourceVersion));
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

  /**
   * The whole content of one of our ConfigMaps, or empty when it is not one (or is damaged, or a
   * tombstone).
   */
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
