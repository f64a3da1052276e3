package dev.leastprivilege.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns a YAML node into a spec class, strictly: an unknown field or a wrong type becomes a {@link
 * FieldError} naming the field, like the API server's schema would.
 */
public final class TypedReader {
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private TypedReader() {}

  /** The value, or null after adding the reason to errors. */
  public static <T> T read(JsonNode node, String field, Class<T> type, List<FieldError> errors) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      errors.add(new FieldError(field, "required"));
      return null;
    }
    try {
      return STRICT.treeToValue(node, type);
    } catch (JsonMappingException e) {
      errors.add(new FieldError(field + path(e), describe(e)));
      return null;
    } catch (Exception e) {
      errors.add(new FieldError(field, e.getMessage()));
      return null;
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append('.').append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String describe(JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field \""
          + u.getPropertyName()
          + "\""
          + (u.getKnownPropertyIds() == null
              ? ""
              : "; known fields: "
                  + u.getKnownPropertyIds().stream()
                      .map(Object::toString)
                      .sorted()
                      .collect(Collectors.joining(", ")));
    }
    if (e instanceof InvalidFormatException f
        && f.getTargetType() != null
        && f.getTargetType().isEnum()) {
      return "unsupported value \""
          + f.getValue()
          + "\"; expected one of "
          + Arrays.stream(f.getTargetType().getEnumConstants())
              .map(Object::toString)
              .collect(Collectors.joining(", "));
    }
    if (e instanceof InvalidFormatException f) {
      return "\""
          + f.getValue()
          + "\" is not a valid "
          + f.getTargetType().getSimpleName().toLowerCase();
    }
    String m = e.getOriginalMessage();
    int cut = m.indexOf(" at [Source");
    return cut > 0 ? m.substring(0, cut) : m;
  }
}
