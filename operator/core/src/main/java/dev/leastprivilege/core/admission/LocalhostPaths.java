package dev.leastprivilege.core.admission;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A localhostProfile as the kubelet resolves it (joined to its seccomp root and cleaned), so that
 * {@code ./leastprivilege//other/x.json} is recognised as another namespace's file.
 */
final class LocalhostPaths {
  private LocalhostPaths() {}

  static String normalize(String path) {
    Deque<String> parts = new ArrayDeque<>();
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
}
