package dev.leastprivilege.core.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The shipped tables agree with libseccomp, the library runc and containerd resolve names with, for
 * every syscall libseccomp knows. (Newer ones come from the kernel's unified table; see
 * gen-syscall-tables.sh.)
 */
class SyscallTablesIT {
  @Test
  void tablesAgreeWithLibseccomp() throws Exception {
    for (Architecture a : Architecture.values()) {
      String arch = a.name().substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT);
      Map<String, Integer> ours = new TreeMap<>();
      SyscallTable t = SyscallTables.of(a);
      t.names().forEach(n -> ours.put(n, t.number(n).getAsInt()));
      List<String> mismatches = new ArrayList<>();
      int checked = 0;
      for (Map.Entry<String, Integer> e : ours.entrySet()) {
        int libseccomp = resolve(arch, e.getKey());
        if (libseccomp == -1) {
          continue; // newer than this libseccomp: filled from the kernel's table
        }
        if (libseccomp < -1) {
          // Multiplexed on this architecture (x86 socketcall/ipc): libseccomp filters the name by a
          // pseudo-number
          // that covers both the multiplexer and the direct syscall, whose kernel number is ours.
          assertEquals(e.getKey(), reverse(arch, e.getValue()), a + " " + e.getKey());
          continue;
        }
        checked++;
        if (libseccomp != e.getValue()) {
          mismatches.add(e.getKey() + ": ours " + e.getValue() + ", libseccomp " + libseccomp);
        }
      }
      assertEquals(List.of(), mismatches, a.name());
      assertTrue(checked > 300, a + ": checked " + checked);
    }
  }

  private static int resolve(String arch, String name) throws Exception {
    return Integer.parseInt(run(arch, name));
  }

  private static String reverse(String arch, int number) throws Exception {
    return run(arch, Integer.toString(number));
  }

  private static String run(String arch, String name) throws Exception {
    Process p =
        new ProcessBuilder("scmp_sys_resolver", "-a", arch, name).redirectErrorStream(true).start();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line = r.readLine();
      assertEquals(0, p.waitFor(), "scmp_sys_resolver (Debian package seccomp) failed: " + line);
      return line.trim();
    }
  }
}
