package dev.leastprivilege.core;

/** A profile's identity, and where its file lives under the kubelet seccomp root. */
public record ProfileRef(String namespace, String name) {
  /** The directory under the kubelet seccomp root that holds every file of ours. */
  public static final String ROOT_DIR = "leastprivilege";

  /** The value for a pod's {@code securityContext.seccompProfile.localhostProfile}. */
  public String localhostProfile() {
    return ROOT_DIR + "/" + namespace + "/" + name + ".json";
  }

  /**
   * The profile a pod's localhostProfile points at, if it points into our directory, however it is
   * spelt: the kubelet joins the path to its seccomp root and cleans it, so {@code
   * ./leastprivilege//ns/x.json} is ours too.
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
