package dev.leastprivilege.core.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leastprivilege.core.admission.AdmissionPlan;
import dev.leastprivilege.core.admission.AdmittedPod;
import dev.leastprivilege.core.admission.MutationPlanner;
import dev.leastprivilege.core.admission.NamespacePolicies;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attack corpus through the pure planner: each attack refused or neutralised, and every answer
 * idempotent.
 */
class AttackCorpusTest {
  private static final AttackCorpus CORPUS = AttackCorpus.load();
  private final MutationPlanner planner = new MutationPlanner("lpo-system");

  static Stream<AttackCorpus.Case> cases() {
    return CORPUS.cases().stream();
  }

  static Stream<AttackCorpus.Case> ephemeralCases() {
    return cases().filter(c -> !c.ephemeral().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachAttackIsRefusedOrNeutralised(AttackCorpus.Case c) {
    NamespacePolicies ns = CORPUS.namespace(c.namespace()).view();
    ObjectNode pod = AttackCorpus.pod(c);
    AdmissionPlan plan = planner.plan(AdmittedPod.of(pod, c.namespace()), ns);
    if (c.ephemeral().isEmpty()) {
      check(c, plan, plan.allowed() ? JsonPatches.apply(pod, plan.patch()) : null, false);
      return;
    }
    assertTrue(plan.allowed(), "the target pod itself is admitted: " + plan.message());
    ObjectNode running = JsonPatches.apply(pod, plan.patch());
    // Kubernetes 1.22 and later send the whole pod; 1.16 to 1.21 an EphemeralContainers object.
    ObjectNode asPod = running.deepCopy();
    c.ephemeral()
        .forEach(e -> asPod.with("spec").withArray("ephemeralContainers").add(e.deepCopy()));
    if (c.ephemeralLabels().isObject()) {
      asPod.with("metadata").set("labels", c.ephemeralLabels().deepCopy());
    }
    AdmissionPlan update =
        planner.plan(
            AdmittedPod.ofEphemeralUpdate(
                asPod, running, running.path("metadata"), true, c.namespace()),
            ns);
    check(c, update, update.allowed() ? JsonPatches.apply(asPod, update.patch()) : null, true);
    // The EphemeralContainers body carries no labels: what selects the containers comes from the
    // stored pod.
    ObjectNode legacy =
        AttackCorpus.YAML
            .createObjectNode()
            .put("apiVersion", "v1")
            .put("kind", "EphemeralContainers");
    legacy.putObject("metadata").put("name", c.id()).put("namespace", c.namespace());
    c.ephemeral().forEach(e -> legacy.withArray("ephemeralContainers").add(e.deepCopy()));
    ObjectNode legacyOld = legacy.deepCopy().without(List.of("ephemeralContainers"));
    // 1.21 takes a securityContext on an ephemeral container: the same answer as for a Pod body.
    AdmissionPlan on121 =
        planner.plan(
            AdmittedPod.ofEphemeralUpdate(
                legacy, legacyOld, running.path("metadata"), true, c.namespace()),
            ns);
    assertEquals(update.allowed(), on121.allowed());
    assertEquals(update.message(), on121.message());
    if (on121.allowed()) {
      assertEquals(
          c.admitted(),
          AttackCorpus.securityContexts(
              JsonPatches.apply(legacy, on121.patch()).path("ephemeralContainers")));
    }
    // 1.20 refuses one: what would be patched is refused instead.
    AdmissionPlan on120 =
        planner.plan(
            AdmittedPod.ofEphemeralUpdate(
                legacy, legacyOld, running.path("metadata"), false, c.namespace()),
            ns);
    AttackCorpus.Case before121 = c.before121();
    if (before121.isRefused()) {
      assertFalse(on120.allowed(), c + " must be refused before 1.21");
      before121.refused().forEach(r -> assertTrue(on120.message().contains(r), on120.message()));
    } else {
      assertFalse(on120.changes(), c + ": nothing to patch before 1.21");
      assertEquals(on121.allowed(), on120.allowed());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ephemeralCases")
  void anEphemeralUpdateLooksOnlyAtTheNewContainers(AttackCorpus.Case c) {
    // The running containers were admitted under the same rules: a policy created since must not
    // make the API
    // server patch them (it would refuse: they are immutable), so only the new container is
    // planned.
    ObjectNode running = AttackCorpus.pod(c);
    c.ephemeral()
        .forEach(e -> running.with("spec").withArray("ephemeralContainers").add(e.deepCopy()));
    AdmittedPod none =
        AdmittedPod.ofEphemeralUpdate(
            running, running, running.path("metadata"), true, c.namespace());
    assertEquals(List.of(), none.containers());
  }

  private void check(AttackCorpus.Case c, AdmissionPlan plan, ObjectNode after, boolean ephemeral) {
    if (c.isRefused()) {
      assertFalse(plan.allowed(), c + " must be refused; warnings " + plan.warnings());
      c.refused()
          .forEach(
              r ->
                  assertTrue(
                      plan.message().contains(r),
                      c + ": refusal \"" + plan.message() + "\" does not say \"" + r + "\""));
      return;
    }
    assertTrue(plan.allowed(), c + " must be admitted: " + plan.message());
    Map<String, JsonNode> stored =
        ephemeral
            ? AttackCorpus.securityContexts(after.path("spec").path("ephemeralContainers"))
            : AttackCorpus.podSecurityContexts(after);
    assertEquals(c.admitted(), stored, c.toString());
    c.warnings()
        .forEach(
            w ->
                assertTrue(
                    plan.warnings().stream().anyMatch(x -> x.contains(w)),
                    c + ": no warning" + " says \"" + w + "\": " + plan.warnings()));
    c.annotationsRemoved()
        .forEach(a -> assertFalse(after.path("metadata").path("annotations").has(a), a));
    if (!ephemeral) {
      assertEquals(c.annotated(), AttackCorpus.annotated(c, after), c + ": annotations");
    }
    AdmissionPlan second =
        planner.plan(AdmittedPod.of(after, c.namespace()), CORPUS.namespace(c.namespace()).view());
    assertTrue(
        second.allowed(), c + ": admitting the result again refuses it: " + second.message());
    assertFalse(second.changes(), c + ": admitting the result again changes it: " + second.patch());
  }
}
