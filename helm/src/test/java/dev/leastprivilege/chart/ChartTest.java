package dev.leastprivilege.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart as a whole: lint, every documented combination renders to valid objects, pinned images,
 * CRDs.
 */
class ChartTest {

  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(RenderedChart.CHART).lint().strict().call();
    assertFalse(result.isFailed(), () -> String.join("\n", result.getMessages()));
    assertTrue(
        result.getMessages().stream()
            .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]")),
        () -> String.join("\n", result.getMessages()));
  }

  @Test
  void defaultValuesRenderTheOperatorTheAgentAndTheWebhook() {
    RenderedChart chart = RenderedChart.defaults();
    List<String> kinds = chart.objects.stream().map(o -> o.getKind()).sorted().distinct().toList();
    assertEquals(
        List.of(
            "ClusterRole",
            "ClusterRoleBinding",
            "DaemonSet",
            "Deployment",
            "MutatingWebhookConfiguration",
            "PodDisruptionBudget",
            "Role",
            "RoleBinding",
            "Service",
            "ServiceAccount"),
        kinds);
    assertTrue(
        chart.all(io.fabric8.kubernetes.api.model.HasMetadata.class).stream()
            .filter(
                o ->
                    !o.getKind().startsWith("Cluster")
                        && !o.getKind().equals("MutatingWebhookConfiguration"))
            .allMatch(o -> RenderedChart.NAMESPACE.equals(o.getMetadata().getNamespace())),
        "namespaced objects go to the release namespace");
  }

  /**
   * By default the API server sends the webhook only namespaces that hold policies (the label the
   * operator maintains), never opted-out ones, kube-system or the release namespace;
   * webhook.scope=AllNamespaces drops the first condition only.
   */
  @Test
  void theWebhookIsSentOnlyNamespacesThatHoldPoliciesUnlessScopeSaysAll() {
    assertEquals(
        List.of(
            "leastprivilege.dev/has-policies In [true]",
            "leastprivilege.dev/ignore NotIn [true]",
            "kubernetes.io/metadata.name NotIn [kube-system, " + RenderedChart.NAMESPACE + "]"),
        namespaceSelector(RenderedChart.defaults()));
    assertEquals(
        List.of(
            "leastprivilege.dev/ignore NotIn [true]",
            "kubernetes.io/metadata.name NotIn [kube-system, " + RenderedChart.NAMESPACE + "]"),
        namespaceSelector(RenderedChart.render(null, Map.of("webhook.scope", "AllNamespaces"))));
    var wrong =
        assertThrows(
            RuntimeException.class,
            () -> RenderedChart.render(null, Map.of("webhook.scope", "Everywhere")));
    assertTrue(
        wrong
            .getMessage()
            .contains(
                "webhook.scope: \"Everywhere\" is neither PolicyNamespaces nor AllNamespaces"),
        wrong.getMessage());
  }

  private static List<String> namespaceSelector(RenderedChart chart) {
    var webhooks =
        chart
            .one(
                io.fabric8.kubernetes.api.model.admissionregistration.v1
                    .MutatingWebhookConfiguration.class,
                RenderedChart.RELEASE)
            .getWebhooks();
    assertEquals(1, webhooks.size());
    return webhooks.get(0).getNamespaceSelector().getMatchExpressions().stream()
        .map(e -> e.getKey() + " " + e.getOperator() + " " + e.getValues())
        .toList();
  }

  static Stream<Path> documentedCombinations() {
    return RenderedChart.documentedCombinations().stream();
  }

  @ParameterizedTest
  @MethodSource("documentedCombinations")
  void everyDocumentedCombinationRendersObjectsOfKnownTypes(Path values) {
    // render() itself fails on an object that is not a Kubernetes type or carries a field its type
    // lacks.
    RenderedChart chart = RenderedChart.render(values, Map.of());
    assertTrue(
        chart.objects.size() >= 10,
        () -> values + " rendered only " + chart.objects.size() + " objects");
    chart.all(Deployment.class).forEach(d -> assertPinned(d.getSpec().getTemplate().getSpec()));
    chart.all(DaemonSet.class).forEach(d -> assertPinned(d.getSpec().getTemplate().getSpec()));
  }

  @Test
  void aMisspeltFieldIsCaughtAsUnknown() {
    var pod =
        new KubernetesSerialization()
            .unmarshal(
                """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              image: busybox:1.36
              securityContext: {readOnlyRootFileSystem: true}
        """);
    assertEquals(
        List.of("Pod.spec.containers[0].securityContext.readOnlyRootFileSystem"),
        UnknownFields.in(pod));
  }

  @Test
  void imageTagAndAppVersionArePinned() throws Exception {
    JsonNode chartYaml =
        new ObjectMapper(new YAMLFactory())
            .readTree(RenderedChart.CHART.resolve("Chart.yaml").toFile());
    String appVersion = chartYaml.get("appVersion").asText();
    assertTrue(appVersion.matches("\\d+\\.\\d+\\.\\d+"), appVersion);
    Deployment operator = RenderedChart.defaults().one(Deployment.class, RenderedChart.RELEASE);
    assertEquals(
        "localhost/least-privilege-operator:" + appVersion,
        operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    Exception latest =
        assertThrows(
            Exception.class, () -> RenderedChart.render(null, Map.of("image.tag", "latest")));
    assertTrue(
        latest.getMessage().contains("image.tag must be a pinned version"), latest.getMessage());
  }

  @Test
  void chartCrdsAreByteIdenticalToTheGeneratedOnes() throws Exception {
    Path generated = Path.of("..", "crds");
    Path inChart = RenderedChart.CHART.resolve("crds");
    List<String> names;
    try (Stream<Path> files = Files.list(generated)) {
      names = files.map(f -> f.getFileName().toString()).sorted().toList();
    }
    try (Stream<Path> files = Files.list(inChart)) {
      assertEquals(names, files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    for (String name : names) {
      assertArrayEquals(
          Files.readAllBytes(generated.resolve(name)),
          Files.readAllBytes(inChart.resolve(name)),
          () -> name + " differs: run operator/api/tools/update-crds.sh");
      var crd = new KubernetesSerialization().unmarshal(Files.readString(inChart.resolve(name)));
      assertTrue(crd instanceof CustomResourceDefinition, name);
      assertEquals(List.of(), UnknownFields.in(crd));
    }
  }

  private static void assertPinned(PodSpec spec) {
    spec.getContainers()
        .forEach(
            c -> {
              assertTrue(c.getImage().matches(".+:\\d+\\.\\d+\\.\\d+"), c.getImage());
              assertFalse(c.getImage().endsWith(":latest"), c.getImage());
            });
  }
}
