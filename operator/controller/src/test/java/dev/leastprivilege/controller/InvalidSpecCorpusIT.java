package dev.leastprivilege.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.Condition;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.Cluster.TestNamespace;
import dev.leastprivilege.core.invalid.InvalidSpecCorpus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invalid-spec corpus (core's invalid-specs/corpus.yaml) through the real operator on a real
 * kube-apiserver 1.20: each spec the API server accepts ends with Ready=False, reason InvalidSpec
 * and a message naming the field, one Warning Event, no rendered ConfigMap, and no failed
 * reconciliation (so no retries with back-off), for as long as the operator keeps reconciling it.
 */
class InvalidSpecCorpusIT {
  private static final Duration T = Duration.ofSeconds(60);

  /** Longer than the running-pod recount (2 s here), so that a recount's list happens in it. */
  private static final Duration QUIET = Duration.ofSeconds(5);

  @RegisterExtension static final Cluster cluster = new Cluster().nodes("n1").operator();

  static Stream<InvalidSpecCorpus.Case> cases() {
    return InvalidSpecCorpus.load().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachCaseEndsInAStatusNamingTheField(InvalidSpecCorpus.Case c, @TestNamespace String ns) {
    double failedBefore = failedReconciliations();
    for (InvalidSpecCorpus.Obj o : c.others()) {
      apply(c, o, ns);
    }
    apply(c, c.object(), ns);
    String name = c.object().name();
    await(c.name() + " ends InvalidSpec at " + c.field())
        .atMost(T)
        .untilAsserted(
            () -> {
              HasMetadata o = get(c.object(), ns);
              Condition ready = ready(o);
              assertTrue(
                  ready != null
                      && "False".equals(ready.getStatus())
                      && ConditionReason.InvalidSpec.isReasonOf(ready)
                      && o.getMetadata().getGeneration().equals(ready.getObservedGeneration()),
                  () -> "status: " + cluster.client().getKubernetesSerialization().asYaml(o));
              assertTrue(
                  ready.getMessage().contains(c.field()),
                  () -> "the message names " + c.field() + ": " + ready.getMessage());
            });
    if (c.object().isProfile()) {
      assertEquals(
          ProfilePhase.Failed, ((SeccompProfile) get(c.object(), ns)).getStatus().getPhase());
      assertNull(
          cluster
              .client()
              .configMaps()
              .inNamespace(Cluster.OPERATOR_NS)
              .withName(RenderedProfileConfigMap.nameFor(ns, name))
              .get(),
          "an invalid profile is never published");
    }
    await("a Warning Event on " + name).atMost(T).until(() -> invalidSpecEvents(ns, name) >= 1);
    // No retry storm: while the operator goes on (recounts, node reports), no reconcile fails and
    // no further Event is sent.
    await()
        .during(QUIET)
        .atMost(QUIET.plusSeconds(10))
        .until(() -> failedReconciliations() == failedBefore && invalidSpecEvents(ns, name) == 1);
  }

  /**
   * An invalid selector selects every pod of the namespace, as the webhook reads it: the policy
   * reviews them all instead of failing its pod list.
   */
  @Test
  void anInvalidSelectorSelectsTheWholeNamespace(@TestNamespace String ns) {
    for (String app : List.of("web", "batch")) {
      cluster
          .client()
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(app)
                  .withNamespace(ns)
                  .addToLabels("app", app)
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("c")
                  .withImage("busybox")
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
    }
    cluster.apply(
        """
        apiVersion: leastprivilege.dev/v1alpha1
        kind: CapabilityPolicy
        metadata: {name: typo, namespace: %s}
        spec:
          podSelector:
            matchExpressions: [{key: app, operator: In}]
        """
            .formatted(ns));
    await()
        .atMost(T)
        .untilAsserted(
            () -> {
              CapabilityPolicy p =
                  cluster
                      .client()
                      .resources(CapabilityPolicy.class)
                      .inNamespace(ns)
                      .withName("typo")
                      .get();
              assertTrue(p.getStatus() != null && ConditionReason.InvalidSpec.isReasonOf(ready(p)));
              assertEquals(2, p.getStatus().getMatchedPods(), "both pods, whatever their labels");
              assertEquals(2, p.getStatus().getNonCompliantPods(), "neither drops ALL");
            });
  }

  private static void apply(InvalidSpecCorpus.Case c, InvalidSpecCorpus.Obj o, String ns) {
    try {
      cluster.apply(o.manifest(ns));
    } catch (KubernetesClientException e) {
      throw new AssertionError(
          c.name()
              + ": the API server refuses "
              + o.name()
              + " already, so it does not belong in the corpus: "
              + e.getMessage(),
          e);
    }
  }

  private static HasMetadata get(InvalidSpecCorpus.Obj o, String ns) {
    Class<? extends HasMetadata> type =
        o.isProfile() ? SeccompProfile.class : CapabilityPolicy.class;
    return cluster.client().resources(type).inNamespace(ns).withName(o.name()).get();
  }

  private static Condition ready(HasMetadata o) {
    List<Condition> conditions =
        o instanceof SeccompProfile p
            ? p.getStatus() == null ? null : p.getStatus().getConditions()
            : ((CapabilityPolicy) o).getStatus() == null
                ? null
                : ((CapabilityPolicy) o).getStatus().getConditions();
    return conditions == null
        ? null
        : conditions.stream()
            .filter(x -> ConditionReason.READY.equals(x.getType()))
            .findFirst()
            .orElse(null);
  }

  private static long invalidSpecEvents(String ns, String name) {
    return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                name.equals(e.getInvolvedObject().getName())
                    && ConditionReason.InvalidSpec.name().equals(e.getReason()))
        .count();
  }

  /** JOSDK's count of reconciles that ended in an exception, over both controllers. */
  private static double failedReconciliations() {
    return cluster.registry.find("operator.sdk.reconciliations.failed").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
