package dev.leastprivilege.core.attacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Applies the JSON Patch operations the planner writes (add and remove on object members), as the
 * API server would.
 */
public final class JsonPatches {
  private JsonPatches() {}

  public static ObjectNode apply(ObjectNode document, JsonNode patch) {
    ObjectNode copy = document.deepCopy();
    for (JsonNode op : patch) {
      String path = op.get("path").asText();
      int cut = path.lastIndexOf('/');
      JsonNode parent = copy.at(path.substring(0, cut));
      String key = path.substring(cut + 1).replace("~1", "/").replace("~0", "~");
      if (!parent.isObject()) {
        throw new AssertionError("patch " + op + ": the parent of " + path + " is not an object");
      }
      switch (op.get("op").asText()) {
        case "add" -> ((ObjectNode) parent).set(key, op.get("value"));
        case "remove" -> {
          if (((ObjectNode) parent).remove(key) == null) {
            throw new AssertionError("patch " + op + ": nothing to remove at " + path);
          }
        }
        default -> throw new AssertionError("unexpected patch operation " + op);
      }
    }
    return copy;
  }
}
