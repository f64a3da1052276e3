package dev.leastprivilege.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A profile's identity, and where its file lives under the kubelet seccomp root. */
public record ProfileRef(String namespace, String name) {
  /** The directory under the kubelet seccomp root that holds every file of ours. */
  public static final String ROOT_DIR = "leastprivilege";

  /** Every file of ours ends so. */
  public static final String FILE_SUFFIX = ".json";

  /** The longest file name a Linux file system takes (NAME_MAX), in bytes. */
  public static final int MAX_FILE_NAME = 255;

  /**
   * The longest profile name whose file is {@code <name>.json}: 250 characters. Longer names (the
   * API allows 253) would not fit {@link #MAX_FILE_NAME}.
   */
  public static final int MAX_PLAIN_NAME = MAX_FILE_NAME - FILE_SUFFIX.length();

  /**
   * Separates a cut name from its hash in a longer name's file. No Kubernetes name has it, so such
   * a file can never be the file of another profile's plain name.
   */
  public static final char HASH_SEPARATOR = '_';

  private static final int HASH_HEX = 64;

  /** How much of a longer name its file keeps, so that the whole file name is 255 bytes. */
  static final int KEPT_PREFIX = MAX_FILE_NAME - FILE_SUFFIX.length() - 1 - HASH_HEX;

  /**
   * The profile's file name in its namespace's directory: {@code <name>.json} for a name of up to
   * {@link #MAX_PLAIN_NAME} characters (every name before this rule, so existing pods keep their
   * paths); for a longer name its first {@link #KEPT_PREFIX} characters, {@code _} and the SHA-256
   * of the whole name in hex, 255 bytes in all. The one definition of the file name: the agent
   * writes it, the webhook patches pods with it, the CLI writes it.
   */
  public String fileName() {
    if (name.length() <= MAX_PLAIN_NAME) {
      return name + FILE_SUFFIX;
    }
    return name.substring(0, KEPT_PREFIX) + HASH_SEPARATOR + sha256(name) + FILE_SUFFIX;
  }

  /** The value for a pod's {@code securityContext.seccompProfile.localhostProfile}. */
  public String localhostProfile() {
    return ROOT_DIR + "/" + namespace + "/" + fileName();
  }

  /**
   * Whether a file name in a namespace's directory has the form of one of ours: a plain name's
   * {@code <name>.json}, or a longer name's cut name, separator and hash. Anything else there was
   * put by someone else.
   */
  public static boolean isProfileFileName(String fileName) {
    if (fileName == null || !fileName.endsWith(FILE_SUFFIX)) {
      return false;
    }
    String stem = fileName.substring(0, fileName.length() - FILE_SUFFIX.length());
    int sep = stem.indexOf(HASH_SEPARATOR);
    if (sep < 0) {
      return dev.leastprivilege.core.profile.Names.isObjectName(stem)
          && stem.length() <= MAX_PLAIN_NAME;
    }
    return sep == KEPT_PREFIX
        && stem.length() == KEPT_PREFIX + 1 + HASH_HEX
        && stem.substring(sep + 1)
            .chars()
            .allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
        && stem.substring(0, sep)
            .chars()
            .allMatch(
                c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
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

  /**
   * The profile a pod's localhostProfile points at, if it points into our directory, however it is
   * spelt: the kubelet joins the path to its seccomp root and cleans it, so {@code
   * ./leastprivilege//ns/x.json} is ours too. The file of a name longer than {@link
   * #MAX_PLAIN_NAME} does not spell the name: for it this returns the file's stem as the name,
   * which no profile has; compare {@link #localhostProfile()} with the {@link #normalize}d path to
   * find the profile (the stem's own {@code localhostProfile()} is that path, since it has 250
   * characters).
   */
  public static java.util.Optional<ProfileRef> fromLocalhostProfile(String localhostProfile) {
    if (localhostProfile == null) {
      return java.util.Optional.empty();
    }
    localhostProfile = normalize(localhostProfile);
    if (!localhostProfile.startsWith(ROOT_DIR + "/") || !localhostProfile.endsWith(".json")) {
      return java.util.Optional.empty();
    }
    String rest =
        localhostProfile.substring(
            ROOT_DIR.length() + 1, localhostProfile.length() - ".json".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        new ProfileRef(rest.substring(0, slash), rest.substring(slash + 1)));
  }

  /**
   * The namespace a localhostProfile points into, if it points into our directory, whatever the
   * length of the profile's name.
   */
  public static java.util.Optional<String> namespaceOf(String localhostProfile) {
    return fromLocalhostProfile(localhostProfile).map(ProfileRef::namespace);
  }

  /**
   * A localhostProfile as the kubelet resolves it under its seccomp root: no empty, "." or ".."
   * segments.
   */
  public static String normalize(String path) {
    java.util.Deque<String> parts = new java.util.ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(part);
      }
    }
    return String.join("/", parts);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
