package dev.leastprivilege.cli;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The module rules of the brief (section 2), checked on the compiled production classes of every
 * module. They live in the cli because its test classpath holds the production classes of all the
 * modules it is about (api, core, webhook, controller, agent, recorder, cli), so one test sees
 * every edge; the reactor builds it in every full build. (bench, which nothing depends on, is
 * declared as a layer so that no module may reach it; its own classes are outside this classpath.)
 * core's purity towards libraries (no Kubernetes client, operator framework or HTTP) is checked in
 * core itself, by CorePurityTest, so it also runs when core is built alone.
 *
 * <p>Each rule is also evaluated with the test fixtures under {@code *.archfixture} added:
 * deliberate violations written with fully qualified names only, which the rule must report, and
 * nothing else.
 */
class ArchitectureTest {
  private static final ImportOption NOT_TESTS = new ImportOption.DoNotIncludeTests();

  /**
   * The production classes of every module, plus the deliberate violations; other test classes stay
   * out.
   */
  private static final JavaClasses WITH_FIXTURES =
      new ClassFileImporter()
          .withImportOption(
              location ->
                  !location.contains("-tests.jar")
                      && (NOT_TESTS.includes(location) || location.contains("/archfixture/")))
          .importPackages("dev.leastprivilege");

  /** The production classes of every module. */
  private static final JavaClasses PRODUCTION =
      WITH_FIXTURES.that(
          DescribedPredicate.describe(
              "production classes", c -> !c.getPackageName().contains(".archfixture")));

  private static final String LPO_LOCAL = "dev.leastprivilege.cli.local..";

  /**
   * Module directions: {@code api ← core ← {webhook, agent, recorder, cli}}, {@code webhook ←
   * controller}. Every class of the product must sit in a declared module, so a new package has to
   * be placed here. Until issue 14 moves it out, {@code lpo local} ({@code cli.local}) runs the
   * whole product in one process and so may use the webhook, the controller and the agent; the rest
   * of the cli may not. (Its layer is optional, so that moving it out takes only this rule's two
   * lines about it.)
   */
  static final ArchRule MODULE_DIRECTIONS =
      layeredArchitecture()
          .consideringOnlyDependenciesInAnyPackage("dev.leastprivilege..")
          .layer("api")
          .definedBy("dev.leastprivilege.api..")
          .layer("core")
          .definedBy("dev.leastprivilege.core..")
          .layer("webhook")
          .definedBy("dev.leastprivilege.webhook..")
          .layer("agent")
          .definedBy("dev.leastprivilege.agent..")
          .layer("recorder")
          .definedBy("dev.leastprivilege.recorder..")
          .layer("controller")
          .definedBy("dev.leastprivilege.controller..")
          .layer("cli")
          .definedBy(
              resideInAPackage("dev.leastprivilege.cli..").and(resideOutsideOfPackage(LPO_LOCAL)))
          .optionalLayer("lpo local")
          .definedBy(LPO_LOCAL)
          .optionalLayer("bench")
          .definedBy("dev.leastprivilege.bench..")
          .whereLayer("api")
          .mayNotAccessAnyLayer()
          .whereLayer("core")
          .mayOnlyAccessLayers("api")
          .whereLayer("webhook")
          .mayOnlyAccessLayers("api", "core")
          .whereLayer("agent")
          .mayOnlyAccessLayers("api", "core")
          .whereLayer("recorder")
          .mayOnlyAccessLayers("api", "core")
          .whereLayer("controller")
          .mayOnlyAccessLayers("api", "core", "webhook")
          .whereLayer("cli")
          .mayOnlyAccessLayers("api", "core", "lpo local")
          .whereLayer("lpo local")
          .mayOnlyAccessLayers("api", "core", "webhook", "agent", "controller", "cli")
          .whereLayer("bench")
          .mayOnlyAccessLayers("api", "core", "webhook")
          .ensureAllClassesAreContainedInArchitecture();

  /**
   * No production class starts or talks to a mock API server. The one exception is {@code lpo
   * local}, which runs the operator against fabric8's in-memory API server by design today; issue
   * 14 splits it out of the cli, and this exception goes with it (as does the matching one in the
   * cli's pom for the enforcer).
   */
  static final ArchRule NO_MOCK_SERVER_IN_PRODUCTION =
      noClasses()
          .that()
          .resideInAPackage("dev.leastprivilege..")
          .and()
          .resideOutsideOfPackage(LPO_LOCAL)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.fabric8.kubernetes.client.server.mock..",
              "io.fabric8.mockwebserver..",
              "okhttp3.mockwebserver..")
          .because("a mock API server is a test tool; only lpo local uses one, until issue 14");

  /** No production class, lpo local included, uses a test library. */
  static final ArchRule NO_TEST_LIBRARY_IN_PRODUCTION =
      noClasses()
          .that()
          .resideInAPackage("dev.leastprivilege..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "org.junit..",
              "junit..",
              "org.opentest4j..",
              "org.mockito..",
              "org.assertj..",
              "org.hamcrest..",
              "org.awaitility..",
              "com.tngtech.archunit..",
              "io.fabric8.kubeapitest..",
              "io.javaoperatorsdk.operator.junit..");

  @Test
  void everyModuleIsImportedWithoutTheFixtures() {
    for (String module :
        List.of("api", "core", "webhook", "agent", "recorder", "controller", "cli")) {
      assertTrue(
          PRODUCTION.containPackage("dev.leastprivilege." + module),
          module + "'s classes are imported");
    }
    assertFalse(
        PRODUCTION.stream()
            .anyMatch(
                c ->
                    c.getSource()
                        .map(src -> src.getUri().toString().contains("test-classes"))
                        .orElse(false)),
        "no test class");
  }

  @Test
  void modulesDependOnEachOtherOnlyInTheDirectionsOfTheBrief() {
    MODULE_DIRECTIONS.check(PRODUCTION);
  }

  @Test
  void noProductionClassUsesAMockServerExceptLpoLocal() {
    NO_MOCK_SERVER_IN_PRODUCTION.check(PRODUCTION);
  }

  @Test
  void noProductionClassUsesATestLibrary() {
    NO_TEST_LIBRARY_IN_PRODUCTION.check(PRODUCTION);
  }

  @Test
  void moduleDirectionsCatchTheFixtures() {
    assertViolatedExactlyBy(
        MODULE_DIRECTIONS,
        "dev.leastprivilege.core.archfixture.CoreFixture",
        "dev.leastprivilege.webhook.archfixture.WebhookFixture",
        "dev.leastprivilege.cli.archfixture.CliFixture");
  }

  @Test
  void mockServerRuleCatchesTheFixturesButAllowsLpoLocal() {
    assertViolatedExactlyBy(
        NO_MOCK_SERVER_IN_PRODUCTION,
        "dev.leastprivilege.agent.archfixture.AgentFixture",
        "dev.leastprivilege.cli.archfixture.CliFixture");
  }

  @Test
  void testLibraryRuleCatchesTheFixturesLpoLocalIncluded() {
    assertViolatedExactlyBy(
        NO_TEST_LIBRARY_IN_PRODUCTION,
        "dev.leastprivilege.controller.archfixture.ControllerFixture",
        "dev.leastprivilege.cli.local.archfixture.LocalFixture");
  }

  /**
   * The rule fails on the production classes plus the fixtures, and every violation starts in one
   * of these.
   */
  private static void assertViolatedExactlyBy(ArchRule rule, String... fixtures) {
    EvaluationResult result = rule.evaluate(WITH_FIXTURES);
    Set<String> origins = new TreeSet<>();
    int[] dependencies = {0};
    result.handleViolations(
        (Collection<Dependency> violating, String message) ->
            violating.forEach(
                d -> {
                  origins.add(d.getOriginClass().getName());
                  dependencies[0]++;
                }));
    assertEquals(
        new TreeSet<>(List.of(fixtures)),
        origins,
        () -> String.join("\n", result.getFailureReport().getDetails()));
    assertEquals(
        dependencies[0],
        result.getFailureReport().getDetails().size(),
        () -> "only dependency violations: " + result.getFailureReport().getDetails());
  }
}
