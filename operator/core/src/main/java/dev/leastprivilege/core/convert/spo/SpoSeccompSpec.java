package dev.leastprivilege.core.convert.spo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompFlag;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.TypedReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The spec of one SPO SeccompProfile (v1beta1 or v1; the seccomp fields are the same) to ours,
 * field by field. The OCI fields keep their names; what has no equivalent is named in a note or,
 * where dropping it would change what the filter does, an error. The base profile is left to {@link
 * SpoMigration}, which sees the whole export.
 */
final class SpoSeccompSpec {
  /** SPO's fields of a SeccompProfile spec that this class reads. */
  static final Set<String> KNOWN_FIELDS =
      Set.of(
          "defaultAction",
          "architectures",
          "flags",
          "syscalls",
          "baseProfileName",
          "listenerPath",
          "listenerMetadata",
          "disabled",
          "state");

  private final String object;
  private final List<SpoFinding> findings;
  private boolean failed;

  private SpoSeccompSpec(String object, List<SpoFinding> findings) {
    this.object = object;
    this.findings = findings;
  }

  /** Our spec, without base and selector; empty when a field cannot be converted. */
  static Optional<SeccompProfileSpec> convert(
      String object, JsonNode spec, List<SpoFinding> findings) {
    SpoSeccompSpec c = new SpoSeccompSpec(object, findings);
    SeccompProfileSpec out = c.spec(spec);
    return c.failed ? Optional.empty() : Optional.of(out);
  }

  private SeccompProfileSpec spec(JsonNode spec) {
    SeccompProfileSpec out = new SeccompProfileSpec();
    for (Iterator<String> it = spec.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!KNOWN_FIELDS.contains(f)) {
        error("spec." + f, "not a field of SPO's SeccompProfile; nothing to convert it to");
      }
    }
    out.setDefaultAction(action(spec.get("defaultAction"), "spec.defaultAction"));
    if (out.getDefaultAction() == null && !spec.hasNonNull("defaultAction")) {
      error("spec.defaultAction", "required");
    }
    List<JsonNode> arches = list(spec, "architectures");
    for (int i = 0; i < arches.size(); i++) {
      String a = text(arches.get(i), "spec.architectures[" + i + "]");
      Optional<Architecture> arch = a == null ? null : enumValue(Architecture.class, a);
      if (arch == null) {
        continue;
      }
      if (arch.isPresent()) {
        out.getArchitectures().add(arch.get());
      } else {
        // runc adds any libseccomp architecture to the filter; nodes of the others do not run
        // this product, so the filter of a supported node is the same without it.
        findings.add(
            SpoFinding.note(
                object,
                "spec.architectures[" + i + "]",
                "\""
                    + a
                    + "\" dropped: not an architecture this product supports (nodes of it do not"
                    + " run the agent)"));
      }
    }
    List<JsonNode> flags = list(spec, "flags");
    for (int i = 0; i < flags.size(); i++) {
      String f = text(flags.get(i), "spec.flags[" + i + "]");
      if (f == null) {
        continue;
      }
      Optional<SeccompFlag> flag = enumValue(SeccompFlag.class, f);
      if (flag.isPresent()) {
        out.getFlags().add(flag.get());
      } else {
        error(
            "spec.flags[" + i + "]",
            "unknown flag \"" + f + "\"; expected one of " + names(SeccompFlag.class));
      }
    }
    boolean hasListener =
        spec.hasNonNull("listenerPath") && !spec.get("listenerPath").asText().isEmpty();
    if (hasListener || spec.hasNonNull("listenerMetadata")) {
      findings.add(
          SpoFinding.note(
              object,
              hasListener ? "spec.listenerPath" : "spec.listenerMetadata",
              "dropped: this product runs no seccomp agent, so SCMP_ACT_NOTIFY has nobody to"
                  + " answer it"));
    }
    List<JsonNode> syscalls = list(spec, "syscalls");
    for (int i = 0; i < syscalls.size(); i++) {
      out.getSyscalls().add(rule(syscalls.get(i), "spec.syscalls[" + i + "]"));
    }
    return out;
  }

  /**
   * SPO's rule has our rule's fields and types, so it is read as ours, strictly: a wrong type or a
   * field of neither (Docker's includes/excludes) is an error naming it, not a silent zero.
   */
  private SyscallRule rule(JsonNode s, String field) {
    List<FieldError> errors = new ArrayList<>();
    SyscallRule r = TypedReader.read(s, field, SyscallRule.class, errors);
    errors.forEach(e -> error(e.path(), e.message()));
    if (r == null) {
      return new SyscallRule();
    }
    if (r.getAction() == null) {
      error(field + ".action", "required");
    } else if (r.getAction() == SeccompAction.SCMP_ACT_NOTIFY) {
      error(
          field + ".action",
          "SCMP_ACT_NOTIFY needs SPO's seccomp agent (spec.listenerPath), which this product has"
              + " no equivalent of; choose another action, e.g. SCMP_ACT_ERRNO or SCMP_ACT_LOG");
    }
    // SPO omits errnoRet when it is 0 (omitempty), so absent and 0 read the same.
    if (r.getErrnoRet() != null && r.getErrnoRet() == 0) {
      r.setErrnoRet(null);
    }
    for (int j = 0; j < r.getArgs().size(); j++) {
      SyscallArg a = r.getArgs().get(j);
      if (a == null) {
        error(field + ".args[" + j + "]", "must not be empty");
        continue;
      }
      if (a.getIndex() == null) {
        error(field + ".args[" + j + "].index", "required");
      }
      if (a.getOp() == null) {
        error(
            field + ".args[" + j + "].op", "required; expected one of " + names(ArgOperator.class));
      }
      // value and valueTwo are omitempty in SPO: absent means 0.
      if (a.getValue() == null) {
        a.setValue(0L);
      }
      if (a.getValueTwo() == null && a.getOp() == ArgOperator.SCMP_CMP_MASKED_EQ) {
        a.setValueTwo(0L);
      }
    }
    return r;
  }

  /** A list field's elements, or an error when it is there but not a list. */
  private List<JsonNode> list(JsonNode spec, String name) {
    JsonNode n = spec.get(name);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      error("spec." + name, "must be a list, not " + n.getNodeType().name().toLowerCase());
      return List.of();
    }
    List<JsonNode> out = new ArrayList<>();
    n.forEach(out::add);
    return out;
  }

  /** A scalar list element as text, or an error naming it. */
  private String text(JsonNode n, String field) {
    if (!n.isTextual()) {
      error(field, "must be a string, not " + n.getNodeType().name().toLowerCase());
      return null;
    }
    return n.asText();
  }

  private SeccompAction action(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      error(field, "must be a string, not " + node.getNodeType().name().toLowerCase());
      return null;
    }
    Optional<SeccompAction> a = enumValue(SeccompAction.class, node.asText());
    if (a.isEmpty()) {
      error(
          field,
          "unknown action \""
              + node.asText()
              + "\"; expected one of "
              + names(SeccompAction.class));
      return null;
    }
    return a.get();
  }

  private void error(String field, String message) {
    failed = true;
    findings.add(SpoFinding.error(object, field, message));
  }

  private static <E extends Enum<E>> Optional<E> enumValue(Class<E> type, String name) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static <E extends Enum<E>> String names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name());
    }
    return String.join(", ", names);
  }
}
