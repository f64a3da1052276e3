package dev.leastprivilege.chart;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The fields of a parsed object that its Kubernetes type does not know. fabric8's models keep such
 * fields in {@code additionalProperties} instead of failing, so a misspelt or misplaced key would
 * otherwise pass unseen.
 */
final class UnknownFields {
  private UnknownFields() {}

  static List<String> in(Object model) {
    List<String> out = new ArrayList<>();
    walk(model, model.getClass().getSimpleName(), out);
    return out;
  }

  private static void walk(Object value, String path, List<String> out) {
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", out);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, out));
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (!getter.getName().startsWith("get")
          || getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field = invoke(getter, value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          extra.keySet().forEach(k -> out.add(path + "." + k));
        }
      } else {
        walk(field, path + "." + decapitalize(getter.getName().substring(3)), out);
      }
    }
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(getter + ": " + e.getMessage(), e);
    }
  }

  private static String decapitalize(String s) {
    return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }
}
