package dev.leastprivilege.core.invalid;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.CapabilityPolicySpec;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.caps.CapabilityPolicyValidator;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invalid-spec corpus through core, as the operator and {@code lpo lint} run it: each case is
 * refused with an error at its field, renders no file, and its status message stays short.
 */
class InvalidSpecCorpusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "shop";

  static Stream<InvalidSpecCorpus.Case> cases() {
    return InvalidSpecCorpus.load().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachCaseIsRefusedAtItsField(InvalidSpecCorpus.Case c) {
    List<FieldError> errors = errors(c);
    assertFalse(errors.isEmpty(), c.name() + " was accepted: " + c.why());
    assertTrue(
        errors.get(0).path().startsWith(c.field()),
        c.name() + ": expected the first error at " + c.field() + ", got " + errors);
    String summary = FieldError.summary(errors);
    assertTrue(
        summary.length() <= FieldError.MAX_LISTED * (FieldError.MAX_LENGTH + 3) + 80,
        "the status message must not grow with the spec: " + summary.length());
  }

  static List<FieldError> errors(InvalidSpecCorpus.Case c) {
    InvalidSpecCorpus.Obj o = c.object();
    if (!o.isProfile()) {
      return CapabilityPolicyValidator.validate(
              NS, o.name(), JSON.convertValue(o.spec(), CapabilityPolicySpec.class))
          .errors();
    }
    Map<String, SeccompProfileSpec> others =
        c.others().stream()
            .collect(
                Collectors.toMap(
                    InvalidSpecCorpus.Obj::name,
                    x -> JSON.convertValue(x.spec(), SeccompProfileSpec.class)));
    SeccompProfileSpec spec = JSON.convertValue(o.spec(), SeccompProfileSpec.class);
    Function<String, Optional<SeccompProfileSpec>> find =
        name -> Optional.ofNullable(name.equals(o.name()) ? spec : others.get(name));
    ProfileLookup lookup = (ns, name) -> find.apply(name);
    CompiledProfile compiled = ProfileCompiler.compile(new ProfileRef(NS, o.name()), spec, lookup);
    assertTrue(compiled.rendered() == null, "an invalid profile renders no file");
    return compiled.errors();
  }
}
