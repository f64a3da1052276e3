package dev.leastprivilege.controller;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes version as a binary reports it ({@code kube-apiserver --version}: "Kubernetes
 * v1.20.15") or as e2e/cluster/kubernetes.env pins it ("major.minor.patch"): what the
 * real-API-server tier chooses flags and expectations by.
 */
public record KubeVersion(int major, int minor, int patch, String gitVersion) {
  private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)\\S*");

  /** The first version in {@code text}: "Kubernetes v1.30.0", "v1.30.0", "1.30.0". */
  public static KubeVersion parse(String text) {
    Matcher m = VERSION.matcher(text);
    if (!m.find()) {
      throw new IllegalArgumentException("no Kubernetes version in \"" + text.strip() + "\"");
    }
    String git = m.group();
    return new KubeVersion(
        Integer.parseInt(m.group(1)),
        Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)),
        git.startsWith("v") ? git : "v" + git);
  }

  /** Whether this is {@code major.minor} or later. */
  public boolean atLeast(int major, int minor) {
    return this.major != major ? this.major > major : this.minor >= minor;
  }

  /** "1.30.0": the name kube-api-test gives the binaries' directory. */
  public String semver() {
    return major + "." + minor + "." + patch;
  }

  @Override
  public String toString() {
    return gitVersion;
  }
}
