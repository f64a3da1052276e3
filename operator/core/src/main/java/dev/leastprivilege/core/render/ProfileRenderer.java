package dev.leastprivilege.core.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.leastprivilege.api.v1alpha1.Mode;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.ProfileRef;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Renders an effective (validated, merged) spec to the OCI seccomp JSON. The output is a function
 * of the rules' meaning, not their spelling: names are de-duplicated and sorted, rules with the
 * same action are joined, and unconditional rules that repeat the default action are left out. So
 * the same profile always gives the same bytes and the same hash, wherever it is rendered.
 */
public final class ProfileRenderer {
  private static final ObjectWriter WRITER = writer();

  private ProfileRenderer() {}

  public static RenderedProfile render(ProfileRef ref, SeccompProfileSpec effective) {
    OciSeccomp oci = toOci(effective);
    byte[] json;
    try {
      json = (WRITER.writeValueAsString(oci) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    return new RenderedProfile(ref, json, ContentHash.of(json));
  }

  /** How many rules the rendered file of {@code effective} has. */
  public static int ruleCount(SeccompProfileSpec effective) {
    return toOci(effective).syscalls().size();
  }

  static OciSeccomp toOci(SeccompProfileSpec spec) {
    boolean audit = spec.getMode() == Mode.Audit;
    Verdict defaultVerdict = verdict(spec.getDefaultAction(), spec.getDefaultErrnoRet(), audit);

    // Unconditional names grouped by verdict; conditional rules grouped by (verdict, args).
    Map<Verdict, TreeSet<String>> unconditional = new TreeMap<>();
    Map<Conditional, TreeSet<String>> conditional = new LinkedHashMap<>();
    for (SyscallRule r : spec.getSyscalls()) {
      Verdict v = verdict(r.getAction(), r.getErrnoRet(), audit);
      List<SyscallArg> args = r.getArgs() == null ? List.of() : r.getArgs();
      if (args.isEmpty()) {
        if (!v.equals(defaultVerdict)) {
          unconditional.computeIfAbsent(v, k -> new TreeSet<>()).addAll(r.getNames());
        }
      } else {
        conditional
            .computeIfAbsent(new Conditional(v, List.copyOf(args)), k -> new TreeSet<>())
            .addAll(r.getNames());
      }
    }
    List<OciSeccomp.Rule> rules = new ArrayList<>();
    unconditional.forEach(
        (v, names) -> rules.add(new OciSeccomp.Rule(List.copyOf(names), v.action, v.errno, null)));
    List<OciSeccomp.Rule> argRules = new ArrayList<>();
    conditional.forEach(
        (c, names) ->
            argRules.add(
                new OciSeccomp.Rule(
                    List.copyOf(names), c.verdict.action, c.verdict.errno, c.args)));
    argRules.sort(
        Comparator.comparing((OciSeccomp.Rule r) -> r.names().get(0))
            .thenComparing(OciSeccomp.Rule::action)
            .thenComparing(r -> Objects.toString(r.errnoRet()))
            .thenComparing(r -> argsKey(r.args())));
    rules.addAll(argRules);

    List<String> arches =
        spec.getArchitectures().stream().map(Enum::name).distinct().sorted().toList();
    List<String> flags = spec.getFlags().stream().map(Enum::name).distinct().sorted().toList();
    return new OciSeccomp(defaultVerdict.action, defaultVerdict.errno, arches, flags, rules);
  }

  /** An action as the kernel will apply it: Audit turns every refusal into a log entry. */
  private record Verdict(String action, Long errno) implements Comparable<Verdict> {
    @Override
    public int compareTo(Verdict o) {
      int c = action.compareTo(o.action);
      return c != 0 ? c : Long.compare(errno == null ? -1 : errno, o.errno == null ? -1 : o.errno);
    }
  }

  private record Conditional(Verdict verdict, List<SyscallArg> args) {}

  private static Verdict verdict(SeccompAction action, Long errno, boolean audit) {
    if (audit && Actions.refuses(action)) {
      return new Verdict(SeccompAction.SCMP_ACT_LOG.name(), null);
    }
    return new Verdict(action.name(), Actions.takesErrno(action) ? errno : null);
  }

  private static String argsKey(List<SyscallArg> args) {
    StringBuilder sb = new StringBuilder();
    for (SyscallArg a : args) {
      sb.append(a.getIndex())
          .append(a.getOp())
          .append(a.getValue())
          .append('/')
          .append(a.getValueTwo())
          .append(';');
    }
    return sb.toString();
  }

  private static ObjectWriter writer() {
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
    printer.indentArraysWith(indenter);
    printer.indentObjectsWith(indenter);
    return JsonMapper.builder().build().writer(printer);
  }
}
