package dev.leastprivilege.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.cli.manifest.PolicyRepository;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.TypedReader;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Loads and compiles the one profile a command works with: from a manifest, or from plain OCI JSON.
 */
final class ProfileLoader {
  private ProfileLoader() {}

  /** The compiled profile, or empty after printing why there is none. */
  static Optional<CompiledProfile> load(Path file, ProfileRef name, PrintWriter err) {
    if (file.getFileName().toString().endsWith(".json")) {
      return loadJson(file, err);
    }
    PolicyRepository repo = PolicyRepository.load(List.of(file));
    repo.fileErrors().forEach(e -> err.println("error: " + e));
    if (!repo.fileErrors().isEmpty()) {
      return Optional.empty();
    }
    Optional<PolicyRepository.ProfileDoc> doc =
        name != null
            ? repo.profile(name.toString())
            : repo.profiles().size() == 1 ? Optional.of(repo.profiles().get(0)) : Optional.empty();
    if (doc.isEmpty()) {
      err.println(
          "error: "
              + file
              + " has "
              + repo.profiles().size()
              + " SeccompProfiles "
              + repo.profiles().stream().map(p -> p.ref().toString()).toList()
              + (name == null ? "; pick one with --name NS/NAME" : "; none is " + name));
      return Optional.empty();
    }
    CompiledProfile c = repo.compile(doc.get());
    if (!c.ok()) {
      RenderCommand.report(err, doc.get(), c);
      return Optional.empty();
    }
    return Optional.of(c);
  }

  private static Optional<CompiledProfile> loadJson(Path file, PrintWriter err) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      err.println("error: " + file + ": " + e.getMessage());
      return Optional.empty();
    }
    if (root.has("archMap") || root.toString().contains("\"includes\"")) {
      err.println(
          "error: "
              + file
              + " is in Docker's format (archMap, includes, excludes), which containerd"
              + " does not understand; convert it first: lpo convert "
              + file
              + " --name NAME");
      return Optional.empty();
    }
    List<FieldError> errors = new ArrayList<>();
    SeccompProfileSpec spec = TypedReader.read(root, "", SeccompProfileSpec.class, errors);
    String base = file.getFileName().toString().replaceFirst("\\.json$", "").toLowerCase();
    CompiledProfile c =
        errors.isEmpty()
            ? ProfileCompiler.compile(new ProfileRef("default", base), spec, ProfileLookup.none())
            : new CompiledProfile(errors, null, null, List.of());
    c.errors().forEach(e -> err.println("error: " + file + ": " + e));
    return c.ok() ? Optional.of(c) : Optional.empty();
  }
}
