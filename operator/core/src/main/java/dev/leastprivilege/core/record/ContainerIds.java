package dev.leastprivilege.core.record;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a process's container from its /proc/&lt;pid&gt;/cgroup text. The container runtimes put
 * each container in a cgroup named after its ID (64 hex digits):
 *
 * <ul>
 *   <li>systemd driver: {@code .../kubepods-besteffort-pod<uid>.slice/cri-containerd-<id>.scope},
 *       {@code crio-<id>.scope}, {@code docker-<id>.scope}, {@code libpod-<id>.scope};
 *   <li>cgroupfs driver: {@code /kubepods/besteffort/pod<uid>/<id>}, {@code /docker/<id>};
 *   <li>cgroup v2 ("0::/path") and v1 ("4:memory:/path", one line per hierarchy).
 * </ul>
 *
 * A process inside a container that made its own child cgroups has the ID in the middle of the
 * path; the deepest ID wins. CRI-O's monitor ({@code crio-conmon-<id>.scope}) is not the container.
 */
public final class ContainerIds {
  private static final Pattern ID =
      Pattern.compile(
          "(?:^|/)(?:(?:cri-containerd|crio|docker|libpod)-)?([0-9a-f]{64})(?:\\.scope)?(?=/|$)");

  private ContainerIds() {}

  /**
   * The container ID (64 hex) in a /proc/&lt;pid&gt;/cgroup text: systemd
   * (cri-containerd-&lt;id&gt;.scope, crio-&lt;id&gt;.scope, docker-&lt;id&gt;.scope) and cgroupfs
   * (/kubepods/…/pod&lt;uid&gt;/&lt;id&gt;) layouts, v1 and v2.
   */
  public static Optional<String> fromProcCgroup(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Optional<String> unified = Optional.empty();
    Optional<String> any = Optional.empty();
    for (String line : text.split("\n")) {
      // hierarchy-ID:controller-list:cgroup-path; the path may itself hold colons.
      String[] parts = line.trim().split(":", 3);
      if (parts.length < 3) {
        continue;
      }
      Optional<String> id = deepest(parts[2]);
      if (id.isEmpty()) {
        continue;
      }
      if (parts[0].equals("0") && parts[1].isEmpty()) {
        unified = id;
      } else if (any.isEmpty()) {
        any = id;
      }
    }
    return unified.isPresent() ? unified : any;
  }

  private static Optional<String> deepest(String path) {
    Matcher m = ID.matcher(path);
    String found = null;
    while (m.find()) {
      found = m.group(1);
    }
    return Optional.ofNullable(found);
  }
}
