package dev.leastprivilege.core.convert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompFlag;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.FieldError;
import dev.leastprivilege.core.TypedReader;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.render.Actions;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a Docker or OCI JSON profile into a plain spec. Docker's format has fields containerd
 * silently drops (archMap, includes, excludes); here they are decided against an explicit {@link
 * ConversionTarget}:
 *
 * <ul>
 *   <li>archMap: the target architecture and its sub-architectures;
 *   <li>includes/excludes.arches: matched against the target architecture only, as Docker does;
 *   <li>includes.caps: every listed capability must be in the set; excludes.caps: none may be;
 *   <li>minKernel: compared with the given kernel, or assumed satisfied when none is given;
 *   <li>names no output architecture knows are dropped (runc would skip them anyway);
 *   <li>a syscall left with conflicting unconditional actions keeps the refusing one (least
 *       privilege).
 * </ul>
 */
public final class DockerProfileConverter {
  private DockerProfileConverter() {}

  /**
   * @throws IllegalArgumentException naming the field, for input that is not a seccomp profile
   */
  public static ConvertedProfile convert(JsonNode root, ConversionTarget target) {
    List<String> notes = new ArrayList<>();
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a seccomp profile: expected a JSON object");
    }
    SeccompProfileSpec spec = new SeccompProfileSpec();
    spec.setDefaultAction(action(root.get("defaultAction"), "defaultAction"));
    if (root.hasNonNull("defaultErrnoRet")) {
      spec.setDefaultErrnoRet(number(root.get("defaultErrnoRet"), "defaultErrnoRet"));
    }
    List<Architecture> arches = architectures(root, target.architecture(), notes);
    spec.setArchitectures(arches);
    for (JsonNode f : root.path("flags")) {
      parseEnum(SeccompFlag.class, f.asText())
          .ifPresentOrElse(
              spec.getFlags()::add, () -> notes.add("dropped unknown flag " + f.asText()));
    }

    Map<String, SeccompAction> unconditionalAction = new LinkedHashMap<>();
    Set<String> unknown = new TreeSet<>();
    List<SyscallRule> rules = new ArrayList<>();
    JsonNode syscalls = root.path("syscalls");
    for (int i = 0; i < syscalls.size(); i++) {
      JsonNode s = syscalls.get(i);
      String field = "syscalls[" + i + "]";
      if (!appliesTo(s, target)) {
        continue;
      }
      SyscallRule rule = new SyscallRule(List.of(), action(s.get("action"), field + ".action"));
      if (s.hasNonNull("errnoRet")) {
        rule.setErrnoRet(number(s.get("errnoRet"), field + ".errnoRet"));
      }
      JsonNode args = s.path("args");
      for (int j = 0; j < args.size(); j++) {
        rule.getArgs().add(arg(args.get(j), field + ".args[" + j + "]"));
      }
      LinkedHashSet<String> names = new LinkedHashSet<>();
      s.path("names").forEach(n -> names.add(n.asText()));
      if (s.hasNonNull("name")) {
        names.add(s.get("name").asText());
      }
      for (String n : names) {
        if (!SyscallTables.knownOnAny(arches, n)) {
          unknown.add(n);
        } else if (rule.getArgs().isEmpty()) {
          unconditionalAction.merge(
              n,
              rule.getAction(),
              (a, b) -> {
                SeccompAction kept = Actions.refuses(a) ? a : b;
                notes.add(n + ": both " + a + " and " + b + " apply for this target; kept " + kept);
                return kept;
              });
          rule.getNames().add(n);
        } else {
          rule.getNames().add(n);
        }
      }
      if (!rule.getNames().isEmpty()) {
        rules.add(rule);
      }
    }
    // Take each conflicting name out of the rules whose action lost.
    for (SyscallRule r : rules) {
      if (r.getArgs().isEmpty()) {
        r.getNames().removeIf(n -> unconditionalAction.get(n) != r.getAction());
      }
    }
    rules.removeIf(r -> r.getNames().isEmpty());
    spec.setSyscalls(rules);
    if (!unknown.isEmpty()) {
      notes.add(
          "dropped "
              + unknown.size()
              + " syscalls that "
              + arches
              + " do not have: "
              + String.join(", ", unknown));
    }
    return new ConvertedProfile(spec, notes);
  }

  private static List<Architecture> architectures(
      JsonNode root, Architecture target, List<String> notes) {
    LinkedHashSet<Architecture> out = new LinkedHashSet<>();
    out.add(target);
    JsonNode archMap = root.path("archMap");
    if (archMap.isArray() && archMap.size() > 0) {
      for (JsonNode entry : archMap) {
        if (target.name().equals(entry.path("architecture").asText())) {
          for (JsonNode sub : entry.path("subArchitectures")) {
            parseEnum(Architecture.class, sub.asText())
                .ifPresentOrElse(
                    out::add,
                    () ->
                        notes.add(
                            "dropped sub-architecture "
                                + sub.asText()
                                + ": no syscall table for it"));
          }
        }
      }
    } else {
      for (JsonNode a : root.path("architectures")) {
        parseEnum(Architecture.class, a.asText())
            .ifPresentOrElse(
                out::add,
                () ->
                    notes.add("dropped architecture " + a.asText() + ": no syscall table for it"));
      }
    }
    return new ArrayList<>(out);
  }

  /** Whether Docker would apply this rule on the target, given its includes and excludes. */
  private static boolean appliesTo(JsonNode s, ConversionTarget target) {
    JsonNode inc = s.path("includes");
    JsonNode exc = s.path("excludes");
    Set<String> archNames = dockerArchNames(target.architecture());
    if (inc.path("arches").size() > 0 && !anyIn(inc.path("arches"), archNames)) {
      return false;
    }
    if (exc.path("arches").size() > 0 && anyIn(exc.path("arches"), archNames)) {
      return false;
    }
    for (JsonNode c : inc.path("caps")) {
      if (!hasCap(target, c.asText())) {
        return false;
      }
    }
    for (JsonNode c : exc.path("caps")) {
      if (hasCap(target, c.asText())) {
        return false;
      }
    }
    if (inc.hasNonNull("minKernel") && !kernelAtLeast(target, inc.get("minKernel").asText())) {
      return false;
    }
    if (exc.hasNonNull("minKernel") && kernelAtLeast(target, exc.get("minKernel").asText())) {
      return false;
    }
    return true;
  }

  private static boolean hasCap(ConversionTarget target, String name) {
    return Capability.parse(name).map(target.capabilities()::contains).orElse(false);
  }

  private static boolean kernelAtLeast(ConversionTarget target, String min) {
    if (target.kernel().isEmpty()) {
      return true;
    }
    return compareVersions(target.kernel().get(), min) >= 0;
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int xi = i < x.length ? leadingInt(x[i]) : 0;
      int yi = i < y.length ? leadingInt(y[i]) : 0;
      if (xi != yi) {
        return Integer.compare(xi, yi);
      }
    }
    return 0;
  }

  private static int leadingInt(String s) {
    int end = 0;
    while (end < s.length() && Character.isDigit(s.charAt(end))) {
      end++;
    }
    return end == 0 ? 0 : Integer.parseInt(s.substring(0, end));
  }

  /** The names Docker-format profiles use for an architecture in includes/excludes.arches. */
  static Set<String> dockerArchNames(Architecture a) {
    return switch (a) {
      case SCMP_ARCH_X86_64 -> Set.of("amd64", "x86_64");
      case SCMP_ARCH_X86 -> Set.of("386", "x86", "i386");
      case SCMP_ARCH_X32 -> Set.of("x32");
      case SCMP_ARCH_AARCH64 -> Set.of("arm64", "aarch64");
      case SCMP_ARCH_ARM -> Set.of("arm");
      case SCMP_ARCH_S390X -> Set.of("s390x");
      case SCMP_ARCH_PPC64LE -> Set.of("ppc64le");
      case SCMP_ARCH_RISCV64 -> Set.of("riscv64");
    };
  }

  private static boolean anyIn(JsonNode list, Set<String> names) {
    for (JsonNode n : list) {
      if (names.contains(n.asText().toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  private static SeccompAction action(JsonNode node, String field) {
    if (node == null || node.isNull()) {
      throw new IllegalArgumentException(field + ": required");
    }
    return parseEnum(SeccompAction.class, node.asText())
        .orElseThrow(
            () ->
                new IllegalArgumentException(field + ": unknown action \"" + node.asText() + "\""));
  }

  /**
   * Docker's argument has our fields and types: read strictly with the shared reader, so a wrong
   * type or an unknown field is an error naming it, not a silent 0.
   */
  private static SyscallArg arg(JsonNode a, String field) {
    List<FieldError> errors = new ArrayList<>();
    SyscallArg out = TypedReader.read(a, field, SyscallArg.class, errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(errors.get(0).toString());
    }
    if (out.getIndex() == null) {
      throw new IllegalArgumentException(field + ".index: required");
    }
    if (out.getOp() == null) {
      throw new IllegalArgumentException(field + ".op: required");
    }
    if (out.getValue() == null) {
      out.setValue(0L);
    }
    // Docker writes valueTwo: 0 for every comparison; only a masked one uses it.
    if (out.getValueTwo() != null && out.getValueTwo() == 0) {
      out.setValueTwo(null);
    }
    return out;
  }

  /** A number field such as errnoRet: a wrong type is an error, not a silent 0. */
  private static Long number(JsonNode node, String field) {
    if (!node.canConvertToLong() || !node.isIntegralNumber()) {
      throw new IllegalArgumentException(field + ": must be a whole number, not " + node);
    }
    return node.asLong();
  }

  private static <E extends Enum<E>> Optional<E> parseEnum(Class<E> type, String value) {
    try {
      return Optional.of(Enum.valueOf(type, value));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
