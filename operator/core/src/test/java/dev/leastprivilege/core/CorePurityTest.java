package dev.leastprivilege.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * core is the pure domain: it may not reach a Kubernetes client or model, the operator framework,
 * or the network (an HTTP client or server). The rule reads the compiled classes, so a fully
 * qualified name in code counts as much as an import. The cross-module directions are in the cli's
 * ArchitectureTest.
 */
class CorePurityTest {
  private static final String CORE = "dev.leastprivilege.core..";
  private static final String FIXTURES = "/dev/leastprivilege/core/archfixture/";

  static final ArchRule CORE_IS_PURE =
      noClasses()
          .that()
          .resideInAPackage(CORE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              // any fabric8 type: the Kubernetes client (io.fabric8.kubernetes.client..) and its
              // model alike
              "io.fabric8..",
              "io.javaoperatorsdk..",
              // HTTP clients and servers
              "java.net.http..",
              "com.sun.net.httpserver..",
              "io.vertx..",
              "io.netty..",
              "okhttp3..",
              "org.eclipse.jetty..",
              "io.undertow..",
              "jakarta.servlet..",
              "javax.servlet..")
          .because("core is plain Java with no client calls (brief, section 2)");

  @Test
  void coreReachesNoKubernetesClientOperatorFrameworkOrNetwork() {
    JavaClasses core = importCore(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
    assertTrue(
        core.containPackage("dev.leastprivilege.core.profile"),
        "core's production classes are imported");
    assertFalse(
        core.stream().anyMatch(c -> c.getPackageName().contains("archfixture")),
        "fixtures are not");
    CORE_IS_PURE.check(core);
  }

  /** The rule sees through fully qualified names: it refuses a class that has no import at all. */
  @Test
  void ruleCatchesFullyQualifiedNames() {
    JavaClasses withFixture =
        importCore(
            location ->
                ImportOption.Predefined.DO_NOT_INCLUDE_TESTS.includes(location)
                    || location.contains(FIXTURES));
    EvaluationResult result = CORE_IS_PURE.evaluate(withFixture);

    assertTrue(result.hasViolation(), "the fixture breaks the rule");
    List<String> details = result.getFailureReport().getDetails();
    assertEquals(
        List.of(),
        details.stream()
            .filter(d -> !d.contains("archfixture.ReachesOutByFullyQualifiedNames"))
            .toList(),
        "only the fixture breaks it");
    for (String target :
        List.of(
            "io.fabric8.kubernetes.client.KubernetesClient",
            "com.sun.net.httpserver.HttpServer",
            "java.net.http.HttpClient")) {
      assertTrue(
          details.stream().anyMatch(d -> d.contains(target)), target + " is reported: " + details);
    }
  }

  private static JavaClasses importCore(ImportOption option) {
    return new ClassFileImporter()
        .withImportOption(option)
        .importPackages("dev.leastprivilege.core");
  }
}
