package dev.leastprivilege.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** docs/reference/crds.md, written from the CRD schemas in crds/: one table of fields per kind. */
final class CrdReference {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private CrdReference() {}

  static String render(Path crds) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(crds)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    StringBuilder out =
        new StringBuilder(
            """
        # CRD reference

        Generated from the schemas in `crds/` (themselves generated from `operator/api`) by
        `operator/api/tools/update-crds.sh`; a test fails when this page and the schemas differ. Group
        `leastprivilege.dev`, version `v1alpha1`. [Concepts](../concepts.md) explains how the fields work together.
        """);
    for (Path file : files) {
      JsonNode crd = YAML.readTree(file.toFile());
      JsonNode names = crd.path("spec").path("names");
      JsonNode version = crd.path("spec").path("versions").get(0);
      out.append("\n## ")
          .append(names.path("kind").asText())
          .append("\n\n")
          .append(crd.path("spec").path("scope").asText())
          .append(", `kubectl get ")
          .append(names.path("plural").asText())
          .append('`');
      JsonNode shortNames = names.path("shortNames");
      if (shortNames.size() > 0) {
        List<String> shorts = new ArrayList<>();
        shortNames.forEach(n -> shorts.add("`" + n.asText() + "`"));
        out.append(" (short: ").append(String.join(", ", shorts)).append(')');
      }
      out.append(".\n");
      JsonNode columns = version.path("additionalPrinterColumns");
      if (columns.size() > 0) {
        List<String> cols = new ArrayList<>();
        columns.forEach(
            c -> cols.add(c.path("name").asText() + " (`" + c.path("jsonPath").asText() + "`)"));
        out.append("Columns: ").append(String.join(", ", cols)).append(".\n");
      }
      out.append("\n| field | type | description |\n|---|---|---|\n");
      JsonNode root = version.path("schema").path("openAPIV3Schema").path("properties");
      for (String part : List.of("spec", "status")) {
        if (root.has(part)) {
          fields(part, root.get(part), out);
        }
      }
    }
    return out.toString();
  }

  private static void fields(String path, JsonNode schema, StringBuilder out) {
    out.append("| `")
        .append(path)
        .append("` | ")
        .append(type(schema))
        .append(" | ")
        .append(describe(schema))
        .append(" |\n");
    JsonNode properties =
        schema.path("type").asText().equals("array")
            ? schema.path("items").path("properties")
            : schema.path("properties");
    String prefix = schema.path("type").asText().equals("array") ? path + "[]" : path;
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      fields(prefix + "." + field.getKey(), field.getValue(), out);
    }
  }

  private static String type(JsonNode schema) {
    String type = schema.path("type").asText("object");
    if (type.equals("array")) {
      return "array of " + type(schema.path("items"));
    }
    if (type.equals("object") && schema.has("additionalProperties")) {
      return "map of " + type(schema.path("additionalProperties"));
    }
    return type;
  }

  private static String describe(JsonNode schema) {
    List<String> parts = new ArrayList<>();
    if (schema.has("description")) {
      parts.add(schema.get("description").asText().replace("|", "\\|"));
    }
    JsonNode constrained =
        schema.path("type").asText().equals("array") ? schema.path("items") : schema;
    if (constrained.has("enum")) {
      List<String> values = new ArrayList<>();
      constrained.get("enum").forEach(v -> values.add("`" + v.asText() + "`"));
      parts.add("One of " + String.join(", ", values) + ".");
    }
    if (schema.has("default")) {
      parts.add("Default `" + schema.get("default").asText() + "`.");
    }
    for (String bound :
        List.of("minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength")) {
      JsonNode node = schema.has(bound) ? schema.get(bound) : constrained.get(bound);
      if (node != null) {
        parts.add(bound + " " + node.asLong() + ".");
      }
    }
    if (constrained.has("pattern")) {
      parts.add("Pattern `" + constrained.get("pattern").asText().replace("|", "\\|") + "`.");
    }
    return String.join(" ", parts);
  }
}
