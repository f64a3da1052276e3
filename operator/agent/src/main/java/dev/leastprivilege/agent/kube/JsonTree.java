package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON as plain maps, lists, strings, numbers and booleans, on jackson-core's streaming parser and
 * generator alone.
 *
 * <p>Why not jackson-databind: its mapper and the deserializers it builds for fabric8's model
 * classes load about 550 classes (databind's own, Jackson's annotations, and the reflection they
 * use), close to a sixth of all the agent loads; one agent runs on every node, and each class costs
 * resident memory (docs/performance.md, "The agent's resident memory"). The agent reads and writes
 * a handful of fields of three kinds ({@link KubeObjects}), so it binds them itself.
 */
public final class JsonTree {
  /**
   * Objects and arrays nested deeper than this are refused. {@link #read} recurses once per level,
   * and the agent's threads have small stacks ({@code -Xss256k}: jackson-core's own limit, 1,000,
   * would overflow them); a Kubernetes object nests a few levels, its managed fields a dozen.
   */
  static final int MAX_DEPTH = 100;

  /**
   * Thread-safe once built; its parsers enforce these limits and jackson-core's others (length).
   */
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
          .build();

  private JsonTree() {}

  /** The value that starts at the parser's current token, read whole. */
  private static Object read(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      throw new IOException("no JSON value");
    }
    return switch (t) {
      case START_OBJECT -> readObject(p, null);
      case START_ARRAY -> {
        List<Object> array = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(p));
        }
        yield array;
      }
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getNumberValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new IOException("unexpected JSON token " + t);
    };
  }

  /** The object that starts at the parser's current token, read whole. */
  public static Map<String, Object> readObject(JsonParser p) throws IOException {
    return readObject(p, null);
  }

  /**
   * The object that starts at the parser's current token, with only these of its fields: the others
   * are skipped as they stream, never built (a profile's spec, a Node's status, a list's managed
   * fields can be large, and the agent needs none of them).
   *
   * @param fields the fields to read, or null for all
   */
  public static Map<String, Object> readObject(JsonParser p, Set<String> fields)
      throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new IOException("expected a JSON object, found " + p.currentToken());
    }
    Map<String, Object> object = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if (fields == null || fields.contains(field)) {
        object.put(field, read(p));
      } else {
        p.skipChildren();
      }
    }
    return object;
  }

  /** One whole JSON document that must be an object. */
  public static Map<String, Object> parseObject(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      p.nextToken();
      return readObject(p);
    }
  }

  /**
   * Maps, lists, strings, numbers, booleans and nulls as JSON; a map's null values are left out.
   */
  public static String write(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof Map<?, ?> map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (e.getValue() != null) {
          g.writeFieldName(e.getKey().toString());
          write(g, e.getValue());
        }
      }
      g.writeEndObject();
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object item : list) {
        write(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Integer || value instanceof Long) {
      g.writeNumber(((Number) value).longValue());
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  /**
   * A field's text (a number's or a boolean's too), or null when it is absent, null or not a
   * scalar.
   */
  public static String text(Map<String, ?> object, String field) {
    Object v = object == null ? null : object.get(field);
    return v == null || v instanceof Map || v instanceof List ? null : v.toString();
  }

  /** A field that must be an object, or an empty map when it is absent or not one. */
  public static Map<String, Object> object(Map<String, ?> object, String field) {
    return asObject(object == null ? null : object.get(field));
  }

  /** A value that must be an object, or an empty map when it is not one. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> asObject(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** A field that must be an array, or an empty list when it is absent or not one. */
  public static List<?> array(Map<String, ?> object, String field) {
    Object v = object == null ? null : object.get(field);
    return v instanceof List<?> l ? l : List.of();
  }
}
