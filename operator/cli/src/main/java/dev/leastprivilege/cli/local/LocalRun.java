package dev.leastprivilege.cli.local;

import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.ConditionReason;
import dev.leastprivilege.api.v1alpha1.ProfilePhase;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.cli.manifest.Manifest;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** One `lpo local` session: apply, wait for the operator and agent, and report. */
public final class LocalRun {
  private static final Set<ProfilePhase> SETTLED =
      Set.of(ProfilePhase.Installed, ProfilePhase.Failed, ProfilePhase.Partial);
  private final KubernetesClient client;
  private final PrintWriter out;
  private final PrintWriter err;
  private final LocalCluster cluster;
  private List<ManifestApplier.Outcome> outcomes = List.of();
  private List<Manifest> pods = List.of();
  private final List<PodAdmission.Admitted> admitted = new ArrayList<>();

  public LocalRun(LocalCluster cluster, PrintWriter out, PrintWriter err) {
    this.cluster = cluster;
    this.client = cluster.client();
    this.out = out;
    this.err = err;
  }

  /**
   * Applies everything but Pods, which wait for {@link #admitPods()}: they go through the webhook.
   */
  public void apply(List<Manifest> manifests) {
    pods = manifests.stream().filter(LocalRun::isPod).toList();
    outcomes =
        new ManifestApplier(client).apply(manifests.stream().filter(m -> !isPod(m)).toList());
    for (ManifestApplier.Outcome o : outcomes) {
      if (o.skipped() != null) {
        err.println(o.source() + ": skipped: " + o.skipped());
      }
      for (FieldError e : o.refused()) {
        err.println(
            o.source() + ": " + o.kind() + " " + o.namespace() + "/" + o.name() + " refused: " + e);
      }
    }
    err.flush();
  }

  private static boolean isPod(Manifest m) {
    return m.kind().equals("Pod") && m.apiVersion().equals("v1");
  }

  /**
   * Sends each Pod through the webhook as the API server would, after the profiles have settled.
   */
  public void admitPods() throws Exception {
    if (pods.isEmpty()) {
      return;
    }
    PodAdmission admission = new PodAdmission(cluster);
    for (Manifest m : pods) {
      admitted.add(admission.admit(m));
    }
  }

  public boolean nothingRefused() {
    return outcomes.stream().allMatch(o -> o.refused().isEmpty());
  }

  /**
   * Waits until every profile's status describes its current spec and is Installed, Failed or
   * Partial.
   */
  public boolean awaitSettled(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (profiles().stream().allMatch(LocalRun::settled)
          && policies().stream().allMatch(p -> p.getStatus() != null)) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private static boolean settled(SeccompProfile p) {
    var s = p.getStatus();
    return s != null
        && SETTLED.contains(s.getPhase())
        && s.getObservedGeneration() != null
        && s.getObservedGeneration().equals(p.getMetadata().getGeneration());
  }

  /** Valid profiles (no InvalidSpec) all Installed. */
  public boolean allValidInstalled() {
    return profiles().stream()
        .filter(p -> !invalid(p))
        .allMatch(p -> p.getStatus() != null && p.getStatus().getPhase() == ProfilePhase.Installed);
  }

  private static boolean invalid(SeccompProfile p) {
    return p.getStatus() != null
        && ConditionReason.ofReady(p.getStatus().getConditions()).orElse(null)
            == ConditionReason.InvalidSpec;
  }

  public void print(Path kubeletRoot) throws IOException {
    List<SeccompProfile> profiles = profiles();
    List<CapabilityPolicy> policies = policies();
    if (!profiles.isEmpty()) {
      StatusTable.profiles(out, profiles);
    }
    if (!policies.isEmpty()) {
      out.println();
      StatusTable.policies(out, policies);
    }
    if (!admitted.isEmpty()) {
      out.println();
      PodReport.print(out, admitted, cluster.webhookUrl());
    }
    out.println();
    out.println("Node files under " + kubeletRoot + ":");
    Path base = kubeletRoot.resolve(ProfileRef.ROOT_DIR);
    if (Files.isDirectory(base)) {
      try (Stream<Path> files = Files.walk(base)) {
        files
            .filter(Files::isRegularFile)
            .sorted()
            .forEach(f -> out.println("  " + kubeletRoot.relativize(f)));
      }
    }
    out.flush();
  }

  private List<SeccompProfile> profiles() {
    return client.resources(SeccompProfile.class).inAnyNamespace().list().getItems().stream()
        .sorted(
            Comparator.comparing((SeccompProfile p) -> p.getMetadata().getNamespace())
                .thenComparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private List<CapabilityPolicy> policies() {
    return client.resources(CapabilityPolicy.class).inAnyNamespace().list().getItems().stream()
        .sorted(
            Comparator.comparing((CapabilityPolicy p) -> p.getMetadata().getNamespace())
                .thenComparing(p -> p.getMetadata().getName()))
        .toList();
  }
}
