package dev.leastprivilege.core.syscall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.Architecture;
import org.junit.jupiter.api.Test;

class SyscallTablesTest {
  @Test
  void everyArchitectureHasATable() {
    for (Architecture a : Architecture.values()) {
      assertTrue(SyscallTables.of(a).names().size() > 300, a + " has a full table");
      assertTrue(SyscallTables.of(a).knows("read"), a + " knows read");
    }
  }

  @Test
  void x86_64NumbersMatchTheKernel() {
    SyscallTable t = SyscallTables.of(Architecture.SCMP_ARCH_X86_64);
    assertEquals(90, t.number("chmod").getAsInt());
    assertEquals(257, t.number("openat").getAsInt());
    assertEquals("openat", t.name(257));
  }

  @Test
  void syscallsNewerThanLibseccompAreKnown() {
    for (Architecture a : Architecture.values()) {
      SyscallTable t = SyscallTables.of(a);
      int base = a == Architecture.SCMP_ARCH_X32 ? 0x40000000 : 0;
      assertEquals(base + 452, t.number("fchmodat2").getAsInt(), a + " fchmodat2");
      assertEquals(base + 462, t.number("mseal").getAsInt(), a + " mseal");
      assertEquals(base + 458, t.number("listmount").getAsInt(), a + " listmount");
      assertEquals(base + 469, t.number("file_setattr").getAsInt(), a + " file_setattr");
    }
  }

  @Test
  void architectureSpecificCallsStayWhereTheyBelong() {
    assertFalse(
        SyscallTables.of(Architecture.SCMP_ARCH_AARCH64).knows("chmod"), "arm64 has only fchmodat");
    assertTrue(SyscallTables.of(Architecture.SCMP_ARCH_X86).knows("_llseek"));
    assertFalse(SyscallTables.of(Architecture.SCMP_ARCH_X86_64).knows("_llseek"));
    assertTrue(SyscallTables.of(Architecture.SCMP_ARCH_ARM).knows("set_tls"));
    assertFalse(SyscallTables.of(Architecture.SCMP_ARCH_ARM).knows("memfd_secret"));
  }
}
