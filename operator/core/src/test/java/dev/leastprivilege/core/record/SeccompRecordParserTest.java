package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.Architecture;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Lines captured on a 6.18 kernel: a runc container under an SCMP_ACT_LOG profile. */
class SeccompRecordParserTest {
  static final String KMSG_RUNC_INIT =
      "5,24170,29856629889,-;audit: type=1326 audit(1796006084.406:18684): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=16773 comm=\"runc:[2:INIT]\" exe=\"/\" sig=0 arch=c000003e syscall=138 compat=0 ip=0x40828e code=0x7ffc0000";
  static final String KMSG_CHOWN =
      "5,24112,29829287181,-;audit: type=1326 audit(1796006057.062:18493): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=16152 comm=\"chown\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=231 compat=0 ip=0x461189 code=0x7ffc0000";
  static final String DMESG_LS =
      "[29829.288066] audit: type=1326 audit(1796006057.062:18518): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=16146 comm=\"ls\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=16 compat=0 ip=0x47d6b6 code=0x7ffc0000";

  @Test
  void readsAKmsgRecord() {
    SeccompRecord r = SeccompRecordParser.parse(KMSG_RUNC_INIT).orElseThrow();
    assertEquals(
        new SeccompRecord(
            16773,
            "runc:[2:INIT]",
            "/",
            Architecture.SCMP_ARCH_X86_64,
            138,
            "fstatfs",
            Instant.parse("2026-11-30T02:34:44.406Z")),
        r);
    assertEquals("exit_group", SeccompRecordParser.parse(KMSG_CHOWN).orElseThrow().syscall());
  }

  @Test
  void readsDmesgOutput() {
    SeccompRecord r = SeccompRecordParser.parse(DMESG_LS).orElseThrow();
    assertEquals(16146, r.pid());
    assertEquals("ls", r.comm());
    assertEquals("/bin/busybox", r.exe());
    assertEquals("ioctl", r.syscall());
    assertEquals(Instant.ofEpochSecond(1796006057L, 62_000_000L), r.time());
  }

  @Test
  void readsAnAuditLogLineWithAuditdsEnrichedFields() {
    // auditd writes the kernel's text after "type=SECCOMP msg=", then 0x1d and its own fields.
    String line =
        "type=SECCOMP msg=audit(1796006057.062:18493): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=16152 comm=\"chown\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=231 compat=0 ip=0x461189 code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=exit_group";
    SeccompRecord r = SeccompRecordParser.parse(line).orElseThrow();
    assertEquals(16152, r.pid());
    assertEquals("chown", r.comm());
    assertEquals("exit_group", r.syscall());
  }

  @Test
  void decodesHexCommandNames() {
    // The kernel writes comm as hex when it holds a space (audit_log_untrustedstring).
    String line = DMESG_LS.replace("comm=\"ls\"", "comm=6D7920617070");
    assertEquals("my app", SeccompRecordParser.parse(line).orElseThrow().comm());
  }

  @Test
  void keepsNumbersNoTableNamesAndX32Calls() {
    SeccompRecord unnamed =
        SeccompRecordParser.parse(DMESG_LS.replace("syscall=16 ", "syscall=999 ")).orElseThrow();
    assertEquals(Architecture.SCMP_ARCH_X86_64, unnamed.arch());
    assertNull(unnamed.syscall());
    SeccompRecord x32 =
        SeccompRecordParser.parse(DMESG_LS.replace("syscall=16 ", "syscall=1073741825 "))
            .orElseThrow();
    assertEquals(Architecture.SCMP_ARCH_X32, x32.arch());
    assertEquals("write", x32.syscall());
    SeccompRecord unknownArch =
        SeccompRecordParser.parse(DMESG_LS.replace("arch=c000003e", "arch=deadbeef")).orElseThrow();
    assertNull(unknownArch.arch());
    assertNull(unknownArch.syscall());
  }

  @Test
  void ignoresEveryOtherLine() {
    assertTrue(
        SeccompRecordParser.parse(
                "4,24160,29856629088,-;kauditd_printk_skb: 67 callbacks suppressed")
            .isEmpty());
    assertTrue(
        SeccompRecordParser.parse(
                "6,24061,29401348273,-;lpo-e2e0: port 2(vetha2547fa9) entered disabled state")
            .isEmpty());
    assertTrue(SeccompRecordParser.parse("").isEmpty());
    assertTrue(SeccompRecordParser.parse(null).isEmpty());
  }
}
