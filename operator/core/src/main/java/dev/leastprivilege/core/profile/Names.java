package dev.leastprivilege.core.profile;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.core.FieldError;
import java.util.List;
import java.util.regex.Pattern;

/** Kubernetes name rules, checked here too because the CLI has no API server to check them. */
public final class Names {
  private static final Pattern SUBDOMAIN = Pattern.compile(ApiNames.DNS_SUBDOMAIN);
  private static final Pattern LABEL = Pattern.compile(ApiNames.DNS_LABEL);

  private Names() {}

  public static void checkObjectName(String name, String namespace, List<FieldError> errors) {
    if (name == null || name.isEmpty()) {
      errors.add(new FieldError("metadata.name", "required"));
    } else if (!isObjectName(name)) {
      errors.add(
          new FieldError(
              "metadata.name",
              "\""
                  + name
                  + "\" is not a valid name: use lower-case letters,"
                  + " digits, '-' and '.', starting and ending with a letter or digit (at most "
                  + ApiNames.MAX_NAME_LENGTH
                  + " characters)"));
    }
    if (namespace != null && !isLabel(namespace)) {
      errors.add(
          new FieldError(
              "metadata.namespace", "\"" + namespace + "\" is not a valid namespace name"));
    }
  }

  /**
   * An object name (DNS-1123 subdomain): also safe as a file name, since it has no '/' and is never
   * "..".
   */
  public static boolean isObjectName(String s) {
    return s != null && s.length() <= ApiNames.MAX_NAME_LENGTH && SUBDOMAIN.matcher(s).matches();
  }

  /** A namespace or container name (DNS-1123 label). */
  public static boolean isLabel(String s) {
    return s != null && s.length() <= ApiNames.MAX_LABEL_LENGTH && LABEL.matcher(s).matches();
  }

  public static void checkContainerNames(
      List<String> names, String field, List<FieldError> errors) {
    for (int i = 0; names != null && i < names.size(); i++) {
      if (!isLabel(names.get(i))) {
        errors.add(
            new FieldError(
                field + "[" + i + "]", "\"" + names.get(i) + "\" is not a valid container name"));
      }
    }
  }
}
