package dev.leastprivilege.core;

/** A profile's identity, and where its file lives under the kubelet seccomp root. */
public record ProfileRef(String namespace, String name) {
  /** The directory under the kubelet seccomp root that holds every file of ours. */
  public static final String ROOT_DIR = "leastprivilege";

  /** The value for a pod's {@code securityContext.seccompProfile.localhostProfile}. */
  public String localhostProfile() {
    return ROOT_DIR + "/" + namespace + "/" + name + ".json";
  }

  /** The profile a pod's localhostProfile points at, if it points into our directory. */
  public static java.util.Optional<ProfileRef> fromLocalhostProfile(String localhostProfile) {
    if (localhostProfile == null || !localhostProfile.startsWith(ROOT_DIR + "/") || !localhostProfile.endsWith(".json")) {
      return java.util.Optional.empty();
    }
    String rest = localhostProfile.substring(ROOT_DIR.length() + 1, localhostProfile.length() - ".json".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1 || rest.indexOf('/', slash + 1) >= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ProfileRef(rest.substring(0, slash), rest.substring(slash + 1)));
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
