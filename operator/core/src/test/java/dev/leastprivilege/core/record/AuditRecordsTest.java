package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditRecordsTest {
  private static final String LOG =
      """
      [  261.870015] audit: type=1326 audit(1795499181.149:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2572 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=3 compat=0 ip=0x40828e code=0x7ffc0000
      [  261.870108] audit: type=1326 audit(1795499181.149:4): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2572 comm="ls" exe="/bin/busybox" sig=0 arch=c000003e syscall=217 compat=0 ip=0x40828e code=0x7ffc0000
      [  261.870109] audit: type=1326 audit(1795499181.150:5): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2572 comm="ls" exe="/bin/busybox" sig=0 arch=c000003e syscall=1073741825 compat=0 ip=0x40828e code=0x7ffc0000
      [  261.870110] audit: type=1326 audit(1795499181.150:6): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=9999 comm="other" exe="/x" sig=0 arch=c000003e syscall=90 compat=0 ip=0x40828e code=0x7ffc0000
      [  100.000000] audit: type=1326 audit(1795400000.000:1): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2572 comm="old" exe="/x" sig=0 arch=c000003e syscall=90 compat=0 ip=0x40828e code=0x7ffc0000
      [  261.870111] audit: type=1326 audit(1795499181.150:7): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=2572 comm="ls" exe="/bin/busybox" sig=0 arch=c000003e syscall=999 compat=0 ip=0x40828e code=0x7ffc0000
      """;

  @Test
  void namesTheSyscallsOfOneProcessSinceItStarted() {
    AuditRecords.Recording r = AuditRecords.parse(LOG, 2572, 1795499180L);
    assertEquals(
        Map.of(
            Architecture.SCMP_ARCH_X86_64,
            Set.of("close", "getdents64"),
            Architecture.SCMP_ARCH_X32,
            Set.of("write")),
        r.syscalls());
    assertEquals(Set.of("arch=c000003e syscall=999"), r.unnamed());
  }
}
