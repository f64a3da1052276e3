package dev.leastprivilege.cli.manifest;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicy;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.SeccompProfile;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.TypedReader;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SeccompProfiles and CapabilityPolicies found in a set of files, as a policy repository holds
 * them.
 */
public final class PolicyRepository {
  static final String SPO_GROUP = "security-profiles-operator.x-k8s.io/";

  /** A SeccompProfile document; readErrors are type errors found while reading it. */
  public record ProfileDoc(
      Source source,
      ProfileRef ref,
      SeccompProfileSpec spec,
      List<FieldError> readErrors,
      List<String> notes) {}

  /** A CapabilityPolicy document. */
  public record PolicyDoc(
      Source source,
      String namespace,
      String name,
      CapabilityPolicySpec spec,
      List<FieldError> readErrors) {}

  private final List<String> fileErrors;
  private final List<ProfileDoc> profiles = new ArrayList<>();
  private final List<PolicyDoc> policies = new ArrayList<>();
  private final Map<String, SeccompProfileSpec> readable = new HashMap<>();

  private PolicyRepository(List<String> fileErrors) {
    this.fileErrors = fileErrors;
  }

  public static PolicyRepository load(List<Path> paths) {
    ManifestReader.Result read = ManifestReader.read(paths);
    PolicyRepository repo = new PolicyRepository(read.errors());
    for (Manifest m : read.manifests()) {
      repo.add(m);
    }
    return repo;
  }

  private void add(Manifest m) {
    boolean ours = m.apiVersion().equals(ApiNames.API_VERSION);
    boolean spo = m.apiVersion().startsWith(SPO_GROUP);
    if (m.kind().equals(SeccompProfile.KIND) && (ours || spo)) {
      List<FieldError> errors = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      if (spo) {
        notes.add(
            "apiVersion "
                + m.apiVersion()
                + " is the Security Profiles Operator's; change it to "
                + ApiNames.API_VERSION
                + " and add a namespace to migrate, or convert the export with lpo migrate spo");
      }
      SeccompProfileSpec spec =
          TypedReader.read(m.body().get("spec"), "spec", SeccompProfileSpec.class, errors);
      ProfileRef ref = new ProfileRef(m.namespace(), m.name());
      profiles.add(new ProfileDoc(m.source(), ref, spec, errors, notes));
      if (spec != null && errors.isEmpty()) {
        readable.putIfAbsent(ref.toString(), spec);
      }
    } else if (m.kind().equals(CapabilityPolicy.KIND) && ours) {
      List<FieldError> errors = new ArrayList<>();
      CapabilityPolicySpec spec =
          TypedReader.read(m.body().get("spec"), "spec", CapabilityPolicySpec.class, errors);
      policies.add(new PolicyDoc(m.source(), m.namespace(), m.name(), spec, errors));
    }
  }

  public List<String> fileErrors() {
    return fileErrors;
  }

  public List<ProfileDoc> profiles() {
    return profiles;
  }

  public List<PolicyDoc> policies() {
    return policies;
  }

  /** Compiles one profile, resolving bases among the profiles of this repository. */
  public CompiledProfile compile(ProfileDoc doc) {
    if (!doc.readErrors().isEmpty()) {
      return new CompiledProfile(doc.readErrors(), null, null, List.of());
    }
    return ProfileCompiler.compile(doc.ref(), doc.spec(), ProfileLookup.of(readable));
  }

  public Optional<ProfileDoc> profile(String namespaceSlashName) {
    return profiles.stream().filter(p -> p.ref().toString().equals(namespaceSlashName)).findFirst();
  }
}
