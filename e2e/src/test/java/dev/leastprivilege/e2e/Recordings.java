package dev.leastprivilege.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecording;
import dev.leastprivilege.api.v1alpha1.ProfileRecordingStatus;
import dev.leastprivilege.api.v1alpha1.RecordedContainer;
import dev.leastprivilege.api.v1alpha1.RecordingPhase;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * ProfileRecordings as a user drives them: start one, run pods it selects, wait for what the
 * recorders reported, stop it, read what it produced. On a timeout the failure shows the
 * recording's status, the nodes' reports and the product's logs: the first place to look.
 */
final class Recordings {
  /** The recorders report at most every 10 s; the operator folds their reports at once. */
  static final Duration REPORTED = Duration.ofMinutes(2);

  private final Cluster cluster;

  Recordings(Cluster cluster) {
    this.cluster = cluster;
  }

  /** A namespace whose administrator allowed recording in it (the opt-in label). */
  void allowedNamespace(String namespace) {
    cluster.namespace(
        namespace, Map.of(ApiNames.RECORDING_ALLOWED_LABEL, ApiNames.RECORDING_ALLOWED));
  }

  /** The ProfileRecording of this YAML, once it records: its profile is on every node. */
  ProfileRecording start(String yaml) {
    ProfileRecording recording = cluster.load(ProfileRecording.class, yaml);
    String namespace = recording.getMetadata().getNamespace();
    String name = recording.getMetadata().getName();
    forget(namespace, name);
    cluster.client.resource(recording).create();
    return awaitStatus(
        namespace, name, "phase Recording", s -> s.getPhase() == RecordingPhase.Recording);
  }

  /**
   * Deletes a recording and what it produced, left by an earlier run on a kept cluster: produced
   * objects are the user's, the recording does not own them.
   */
  void forget(String namespace, String name) {
    var recordings = cluster.client.resources(ProfileRecording.class).inNamespace(namespace);
    recordings.withName(name).delete();
    recordings.withName(name).waitUntilCondition(r -> r == null, 1, TimeUnit.MINUTES);
    cluster
        .client
        .resources(SeccompProfile.class)
        .inNamespace(namespace)
        .withLabel(ApiNames.RECORDED_BY_LABEL, name)
        .delete();
    cluster
        .client
        .resources(CapabilityPolicy.class)
        .inNamespace(namespace)
        .withLabel(ApiNames.RECORDED_BY_LABEL, name)
        .delete();
  }

  /** Sets spec.stop and waits until the results are written. */
  ProfileRecording stop(String namespace, String name) {
    cluster
        .client
        .resources(ProfileRecording.class)
        .inNamespace(namespace)
        .withName(name)
        .edit(
            r -> {
              r.getSpec().setStop(true);
              return r;
            });
    return awaitCompleted(namespace, name);
  }

  ProfileRecording awaitCompleted(String namespace, String name) {
    return awaitStatus(
        namespace, name, "phase Completed", s -> s.getPhase() == RecordingPhase.Completed);
  }

  /** Waits until the recording's status says what the predicate checks. */
  ProfileRecording awaitStatus(
      String namespace, String name, String what, Predicate<ProfileRecordingStatus> done) {
    var resource =
        cluster.client.resources(ProfileRecording.class).inNamespace(namespace).withName(name);
    try {
      return await()
          .atMost(REPORTED)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              resource::get, r -> r != null && r.getStatus() != null && done.test(r.getStatus()));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "ProfileRecording "
              + namespace
              + "/"
              + name
              + " never reached: "
              + what
              + "\n"
              + explain(resource.get()),
          e);
    }
  }

  /** Waits until the recording's status has this container and the predicate holds for it. */
  RecordedContainer awaitContainer(
      String namespace, String name, String container, Predicate<RecordedContainer> done) {
    ProfileRecording r =
        awaitStatus(
            namespace,
            name,
            "container " + container,
            s -> container(s, container).filter(done).isPresent());
    return container(r.getStatus(), container).orElseThrow();
  }

  static Optional<RecordedContainer> container(ProfileRecordingStatus status, String name) {
    return status.getContainers().stream().filter(c -> name.equals(c.getName())).findFirst();
  }

  /** The names of the calls the recording recorded in this container, beyond its base. */
  static Set<String> recordedSyscalls(ProfileRecording recording, String container) {
    return container(recording.getStatus(), container).orElseThrow().getSyscalls().stream()
        .map(s -> s.getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Capabilities by bare name (CHOWN), as status and policies may spell them either way. */
  static Set<String> capabilities(List<String> names) {
    return names.stream()
        .map(n -> n.toUpperCase(java.util.Locale.ROOT).replaceFirst("^CAP_", ""))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The calls a produced (allow-list) profile allows. */
  static Set<String> allowed(SeccompProfile profile) {
    Set<String> names = new TreeSet<>();
    for (SyscallRule rule : profile.getSpec().getSyscalls()) {
      if (rule.getAction() == SeccompAction.SCMP_ACT_ALLOW) {
        names.addAll(rule.getNames());
      }
    }
    return names;
  }

  SeccompProfile seccompResult(String namespace, String recording, String container) {
    return produced(SeccompProfile.class, namespace, recording, container);
  }

  CapabilityPolicy capabilityResult(String namespace, String recording, String container) {
    return produced(CapabilityPolicy.class, namespace, recording, container);
  }

  private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T produced(
      Class<T> type, String namespace, String recording, String container) {
    String name = ProfileRecording.resultName(recording, container);
    T object = cluster.client.resources(type).inNamespace(namespace).withName(name).get();
    if (object == null) {
      throw new AssertionError(
          "no "
              + type.getSimpleName()
              + " "
              + namespace
              + "/"
              + name
              + "\n"
              + explain(
                  cluster
                      .client
                      .resources(ProfileRecording.class)
                      .inNamespace(namespace)
                      .withName(recording)
                      .get()));
    }
    assertEquals(
        recording,
        object.getMetadata().getLabels().get(ApiNames.RECORDED_BY_LABEL),
        () -> name + " is labelled with the recording that made it");
    return object;
  }

  /**
   * The stored pod got the recording's profile from the webhook: a Localhost file of the recording
   * profile for each container, and the recording's name in its annotation.
   */
  static void assertRecorded(Pod stored, String recording) {
    String namespace = stored.getMetadata().getNamespace();
    String file =
        "leastprivilege/"
            + namespace
            + "/"
            + ProfileRecording.recordingProfileName(recording)
            + ".json";
    assertEquals(
        recording,
        stored.getMetadata().getAnnotations() == null
            ? null
            : stored.getMetadata().getAnnotations().get(ApiNames.RECORDING_ANNOTATION),
        () ->
            "annotation " + ApiNames.RECORDING_ANNOTATION + " on " + Serialization.asYaml(stored));
    for (var c : stored.getSpec().getContainers()) {
      var sc = c.getSecurityContext();
      assertEquals(
          file,
          sc == null || sc.getSeccompProfile() == null
              ? null
              : sc.getSeccompProfile().getLocalhostProfile(),
          () -> c.getName() + " runs the recording profile: " + Serialization.asYaml(stored));
    }
  }

  /** The recording's status, every node's report and the recorders' logs. */
  String explain(ProfileRecording recording) {
    StringBuilder out = new StringBuilder();
    out.append(recording == null ? "(no such recording)\n" : Serialization.asYaml(recording));
    for (NodeRecording node : cluster.client.resources(NodeRecording.class).list().getItems()) {
      out.append(Serialization.asYaml(node));
    }
    for (Pod agent :
        cluster
            .client
            .pods()
            .inNamespace(Product.NAMESPACE)
            .withLabel(ApiNames.AGENT_POD_LABEL, "true")
            .list()
            .getItems()) {
      try {
        out.append("recorder log of ")
            .append(agent.getMetadata().getName())
            .append(":\n")
            .append(
                cluster
                    .client
                    .pods()
                    .resource(agent)
                    .inContainer("recorder")
                    .tailingLines(40)
                    .getLog()
                    .indent(4));
      } catch (RuntimeException e) {
        out.append("(no recorder log: ").append(e.getMessage()).append(")\n");
      }
    }
    out.append(Diagnostics.describe(cluster, Product.NAMESPACE));
    return out.toString();
  }
}
