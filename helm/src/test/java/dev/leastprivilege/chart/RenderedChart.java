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
    TemplateCommand template =
        new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE);
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
