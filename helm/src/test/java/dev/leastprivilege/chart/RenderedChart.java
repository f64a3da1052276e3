package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The chart rendered by the real Helm engine, each object parsed as its Kubernetes type. */
final class RenderedChart {
  static final Path CHART = Path.of("least-privilege-operator");
  static final String RELEASE = "least-privilege-operator";
  static final String NAMESPACE = "least-privilege-system";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  final String yaml;
  final List<HasMetadata> objects;

  private RenderedChart(String yaml, List<HasMetadata> objects) {
    this.yaml = yaml;
    this.objects = objects;
  }

  /** With the default values plus the given values file (null for none) and --set pairs. */
  static RenderedChart render(Path valuesFile, Map<String, Object> sets) {
    return render(CHART, valuesFile, sets);
  }

  private static RenderedChart render(Path chart, Path valuesFile, Map<String, Object> sets) {
    TemplateCommand template =
        new Helm(chart).template().withName(RELEASE).withNamespace(NAMESPACE);
    if (valuesFile != null) {
      template.withValuesFile(valuesFile);
    }
    sets.forEach(template::set);
    String yaml = template.call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      KubernetesResource parsed = SERIALIZATION.unmarshal(doc);
      assertTrue(parsed instanceof HasMetadata, () -> "not a Kubernetes object: " + doc);
      HasMetadata object = (HasMetadata) parsed;
      assertEquals(
          List.of(),
          UnknownFields.in(object),
          () ->
              "fields unknown to "
                  + object.getKind()
                  + " "
                  + object.getMetadata().getName()
                  + ":\n"
                  + doc);
      objects.add(object);
    }
    return new RenderedChart(yaml, objects);
  }

  /**
   * The chart's hooks too, which helm-java's template leaves out (it prints the release's manifest
   * only): rendered by the same engine from a copy of the chart in which the hook annotations are
   * spelt {@link #HOOK_PREFIX}, so that Helm takes them for plain objects. Read the annotations
   * back with {@link #hookAnnotations}.
   */
  static RenderedChart withHooks(Path valuesFile, Map<String, Object> sets) {
    try {
      Path copy = Files.createTempDirectory("chart-with-hooks");
      try {
        Path root = copy.resolve(CHART.getFileName());
        try (Stream<Path> files = Files.walk(CHART)) {
          for (Path from : files.toList()) {
            Path to = root.resolve(CHART.relativize(from).toString());
            if (Files.isDirectory(from)) {
              Files.createDirectories(to);
            } else {
              Files.writeString(to, Files.readString(from).replace("helm.sh/hook", HOOK_PREFIX));
            }
          }
        }
        return render(root, valuesFile, sets);
      } finally {
        try (Stream<Path> files = Files.walk(copy)) {
          for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final String HOOK_PREFIX = "rendered-as-plain.test/hook";

  /** An object's Helm hook annotations (hook, hook-weight, hook-delete-policy), from withHooks. */
  static Map<String, String> hookAnnotations(HasMetadata object) {
    Map<String, String> hook = new java.util.HashMap<>();
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    if (annotations != null) {
      annotations.forEach(
          (k, v) -> {
            if (k.startsWith(HOOK_PREFIX)) {
              hook.put("helm.sh/hook" + k.substring(HOOK_PREFIX.length()), v);
            }
          });
    }
    return hook;
  }

  static RenderedChart defaults() {
    return render(null, Map.of());
  }

  /** The documented value combinations: one file each in the chart's ci/ directory. */
  static List<Path> documentedCombinations() {
    try (Stream<Path> files = Files.list(CHART.resolve("ci"))) {
      return files.filter(f -> f.toString().endsWith("-values.yaml")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type, String name) {
    List<T> found = all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
    assertEquals(
        1,
        found.size(),
        () ->
            "expected one " + type.getSimpleName() + " named " + name + ", found " + found.size());
    return found.get(0);
  }
}
