package dev.leastprivilege.core.invalid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The corpus of invalid specs (invalid-specs/corpus.yaml on the test class path): specs the API
 * server accepts that are still wrong, and the field each must be reported at. Read by every
 * layer's runner, so one list is proven everywhere.
 */
public final class InvalidSpecCorpus {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One object of a case, its spec complete (defaults and generated rules added). */
  public record Obj(String name, String kind, ObjectNode spec) {
    /** The manifest, as a user would apply it (JSON, which is YAML too). */
    public String manifest(String namespace) {
      ObjectNode o =
          JSON.createObjectNode().put("apiVersion", ApiNames.API_VERSION).put("kind", kind);
      o.putObject("metadata").put("name", name).put("namespace", namespace);
      o.set("spec", spec);
      return o.toString();
    }

    public boolean isProfile() {
      return kind.equals("SeccompProfile");
    }
  }

  /** One case: the object, the objects applied before it, and the field its first error names. */
  public record Case(String name, String why, Obj object, List<Obj> others, String field) {
    @Override
    public String toString() {
      return name;
    }
  }

  private InvalidSpecCorpus() {}

  public static List<Case> load() {
    try (InputStream in =
        InvalidSpecCorpus.class.getResourceAsStream("/invalid-specs/corpus.yaml")) {
      JsonNode root = YAML.readTree(in);
      List<Case> cases = new ArrayList<>();
      for (JsonNode c : root.path("cases")) {
        List<Obj> others = new ArrayList<>();
        c.path("others").forEach(o -> others.add(object(o)));
        cases.add(
            new Case(
                c.path("name").asText(),
                c.path("why").asText(),
                object(c),
                others,
                c.path("field").asText()));
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Obj object(JsonNode c) {
    String kind = c.path("kind").asText();
    ObjectNode spec =
        c.path("spec").isObject()
            ? (ObjectNode) c.path("spec").deepCopy()
            : JSON.createObjectNode();
    if (kind.equals("SeccompProfile")) {
      if (!spec.has("defaultAction")) {
        spec.put("defaultAction", "SCMP_ACT_ERRNO");
      }
      if (!spec.has("syscalls")) {
        ArrayNode rules = spec.putArray("syscalls");
        ObjectNode allow = rules.addObject();
        allow.putArray("names").add("read").add("write").add("exit_group");
        allow.put("action", "SCMP_ACT_ALLOW");
      }
      JsonNode gen = c.path("argRules");
      if (gen.isObject()) {
        addArgRules(
            (ArrayNode) spec.get("syscalls"),
            gen.path("count").asInt(),
            gen.path("args").asInt(),
            gen.path("offset").asLong());
      }
    }
    return new Obj(c.path("name").asText(), kind, spec);
  }

  /**
   * Rules allowing personality only for distinct argument values: none joins another, so each is a
   * rule of the rendered file.
   */
  static void addArgRules(ArrayNode rules, int count, int args, long offset) {
    for (int k = 0; k < count; k++) {
      ObjectNode r = rules.addObject();
      r.putArray("names").add("personality");
      r.put("action", "SCMP_ACT_ALLOW");
      ArrayNode a = r.putArray("args");
      for (int i = 0; i < args; i++) {
        a.addObject()
            .put("index", i)
            .put("value", 1_000_000L * args + offset + k)
            .put("op", "SCMP_CMP_EQ");
      }
    }
  }
}
