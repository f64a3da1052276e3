package dev.leastprivilege.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * One of the Argo CD health checks in examples/gitops/argocd/argocd-cm-health.yaml, run as Argo CD
 * runs it: the live object as the Lua table {@code obj}, the script's returned table read for
 * {@code status} and {@code message}.
 */
final class ArgoHealthCheck {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final String script;

  record Health(String status, String message) {}

  ArgoHealthCheck(String kind) {
    try {
      JsonNode cm =
          YAML.readTree(
              Cluster.TOP.resolve("examples/gitops/argocd/argocd-cm-health.yaml").toFile());
      this.script =
          cm.path("data")
              .path("resource.customizations.health.leastprivilege.dev_" + kind)
              .asText(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (script == null) {
      throw new IllegalStateException("no health check for " + kind + " in argocd-cm-health.yaml");
    }
  }

  Health of(Object object) {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(new ObjectMapper().valueToTree(object)));
    LuaValue result = globals.load(script, "health").call();
    return new Health(
        result.get("status").optjstring(null), result.get("message").optjstring(null));
  }

  private static LuaValue lua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        table.set(field.getKey(), lua(field.getValue()));
      }
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, lua(node.get(i)));
      }
      return table;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }
}
