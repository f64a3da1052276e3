package dev.leastprivilege.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.api.v1alpha1.ArgOperator;
import dev.leastprivilege.api.v1alpha1.SeccompAction;
import dev.leastprivilege.api.v1alpha1.SeccompProfileSpec;
import dev.leastprivilege.api.v1alpha1.SyscallArg;
import dev.leastprivilege.api.v1alpha1.SyscallRule;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.CompiledProfile;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.render.ProfileRenderer;
import dev.leastprivilege.core.render.RenderedProfile;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rendering a 300-syscall profile on one thread. The baseline is plain Jackson serialisation of the
 * same spec, measured in the same run: it is the floor any JSON output costs on this machine at
 * this moment.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 7, time = 1)
public class RenderBenchmark {
  private static final ObjectMapper PLAIN = new ObjectMapper();
  private final ProfileRef ref = new ProfileRef("shop", "web");
  private SeccompProfileSpec spec;

  @Setup
  public void setUp() {
    spec = profileWith300Syscalls();
  }

  /** 280 allowed, 16 refused with EPERM, 4 argument rules: the shape of a real allow-list. */
  static SeccompProfileSpec profileWith300Syscalls() {
    List<String> names = new ArrayList<>(SyscallTables.of(Architecture.SCMP_ARCH_X86_64).names());
    names.sort(null);
    SeccompProfileSpec s = new SeccompProfileSpec();
    s.setDefaultAction(SeccompAction.SCMP_ACT_ERRNO);
    s.setArchitectures(new ArrayList<>(List.of(Architecture.SCMP_ARCH_X86_64)));
    s.getSyscalls().add(new SyscallRule(names.subList(0, 280), SeccompAction.SCMP_ACT_ALLOW));
    SyscallRule refused = new SyscallRule(names.subList(280, 296), SeccompAction.SCMP_ACT_ERRNO);
    refused.setErrnoRet(1L);
    s.getSyscalls().add(refused);
    for (String n : names.subList(296, 300)) {
      SyscallRule r = new SyscallRule(List.of(n), SeccompAction.SCMP_ACT_ALLOW);
      r.getArgs().add(new SyscallArg(0, 1L, null, ArgOperator.SCMP_CMP_EQ));
      s.getSyscalls().add(r);
    }
    return s;
  }

  @Benchmark
  public RenderedProfile render() {
    return ProfileRenderer.render(ref, spec);
  }

  /** What the operator does per profile: validate, resolve bases, merge, render, lint. */
  @Benchmark
  public CompiledProfile compile() {
    return ProfileCompiler.compile(ref, spec, ProfileLookup.none());
  }

  @Benchmark
  public byte[] baselinePlainJackson() throws Exception {
    return PLAIN.writeValueAsBytes(spec);
  }
}
