package dev.leastprivilege.cli.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns objects as the API server returns them ({@code kubectl get ... -o yaml}: a List, or several
 * documents) into what a policy repository keeps: apiVersion, kind, metadata (name, namespace,
 * labels, annotations) and spec. The status and the fields the server fills in are left out, so
 * that applying the file again changes nothing and a diff shows only policy. The recording's marks
 * (its label and UID annotation) are left out too: the exported objects are the user's.
 */
public final class PolicyExport {
  private static final ObjectMapper YAML_IN = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper YAML_OUT =
      new ObjectMapper(
          new YAMLFactory()
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

  /** metadata the API server sets; none of it belongs in a repository. */
  static final Set<String> SERVER_METADATA =
      Set.of(
          "uid",
          "resourceVersion",
          "generation",
          "creationTimestamp",
          "deletionTimestamp",
          "deletionGracePeriodSeconds",
          "managedFields",
          "ownerReferences",
          "finalizers",
          "selfLink");

  /** Written by kubectl apply: the previous applied object, status and all. */
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /**
   * Marks of the recording that made an object. An exported object is the user's: a later recording
   * must not take it for its own result and overwrite it.
   */
  static final String RECORDED_BY_LABEL = ApiNames.RECORDED_BY_LABEL;

  static final String RECORDED_BY_UID = ApiNames.RECORDED_BY_UID_ANNOTATION;

  private PolicyExport() {}

  /**
   * The clean objects of a YAML text: one or more documents, each an object or a List of them.
   *
   * @throws IOException when the text is not YAML or a document is not an object
   */
  public static List<ObjectNode> objects(String yaml) throws IOException {
    List<ObjectNode> out = new ArrayList<>();
    try (MappingIterator<JsonNode> docs = YAML_IN.readerFor(JsonNode.class).readValues(yaml)) {
      int n = 0;
      while (docs.hasNextValue()) {
        n++;
        JsonNode doc = docs.nextValue();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        if (!doc.isObject()) {
          throw new IOException("document " + n + " is not an object");
        }
        if (doc.has("items") && doc.path("kind").asText().endsWith("List")) {
          for (JsonNode item : doc.get("items")) {
            if (!item.isObject()) {
              throw new IOException("document " + n + ": an item of the List is not an object");
            }
            out.add(clean((ObjectNode) item));
          }
        } else {
          out.add(clean((ObjectNode) doc));
        }
      }
    }
    return out;
  }

  /** One object without status and server fields. */
  static ObjectNode clean(ObjectNode object) {
    ObjectNode o = object.deepCopy();
    o.remove("status");
    JsonNode metadata = o.get("metadata");
    if (metadata instanceof ObjectNode m) {
      m.remove(SERVER_METADATA);
      if (m.get("annotations") instanceof ObjectNode a) {
        a.remove(LAST_APPLIED);
        a.remove(RECORDED_BY_UID);
        if (a.isEmpty()) {
          m.remove("annotations");
        }
      }
      if (m.get("labels") instanceof ObjectNode l) {
        l.remove(RECORDED_BY_LABEL);
        if (l.isEmpty()) {
          m.remove("labels");
        }
      }
    }
    return o;
  }

  /** Documents separated by "---", each starting with it. */
  public static String write(List<ObjectNode> objects) {
    StringBuilder sb = new StringBuilder();
    for (ObjectNode o : objects) {
      try {
        sb.append(YAML_OUT.writeValueAsString(o));
      } catch (JsonProcessingException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return sb.toString();
  }
}
