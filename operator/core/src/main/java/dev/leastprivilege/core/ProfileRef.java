package dev.leastprivilege.core;

/** A profile's identity, and where its file lives under the kubelet seccomp root. */
public record ProfileRef(String namespace, String name) {
  /** The directory under the kubelet seccomp root that holds every file of ours. */
  public static final String ROOT_DIR = "leastprivilege";

  /** The value for a pod's {@code securityContext.seccompProfile.localhostProfile}. */
  public String localhostProfile() {
    return ROOT_DIR + "/" + namespace + "/" + name + ".json";
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
