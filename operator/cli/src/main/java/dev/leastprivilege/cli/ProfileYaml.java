package dev.leastprivilege.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.ProfileRef;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a SeccompProfile, CapabilityPolicy or ProfileRecording manifest, with the notes a
 * generator wants a reader to see as comments on top.
 */
final class ProfileYaml {
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

  private ProfileYaml() {}

  static String write(ProfileRef ref, SeccompProfileSpec spec, List<String> comments) {
    return write(SeccompProfile.KIND, ref, spec, comments);
  }

  /** A CapabilityPolicy manifest. */
  static String write(ProfileRef ref, CapabilityPolicySpec spec, List<String> comments) {
    return write(CapabilityPolicy.KIND, ref, spec, comments);
  }

  private static String write(String kind, ProfileRef ref, Object spec, List<String> comments) {
    return write(kind, ref, Map.of(), Map.of(), spec, comments);
  }

  /** Any kind of ours, with labels and annotations (left out when empty). */
  static String write(
      String kind,
      ProfileRef ref,
      Map<String, String> labels,
      Map<String, String> annotations,
      Object spec,
      List<String> comments) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", ref.name());
    metadata.put("namespace", ref.namespace());
    if (!labels.isEmpty()) {
      metadata.put("labels", labels);
    }
    if (!annotations.isEmpty()) {
      metadata.put("annotations", annotations);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("apiVersion", ApiNames.API_VERSION);
    doc.put("kind", kind);
    doc.put("metadata", metadata);
    doc.put("spec", spec);
    StringBuilder sb = new StringBuilder();
    for (String c : comments) {
      sb.append("# ").append(c.replace("\n", "\n# ")).append('\n');
    }
    try {
      return sb.append(YAML.writeValueAsString(doc)).toString();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
