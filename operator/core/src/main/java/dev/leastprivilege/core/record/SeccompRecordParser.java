package dev.leastprivilege.core.record;

import dev.leastprivilege.api.v1alpha1.Architecture;
import dev.leastprivilege.core.syscall.SyscallTable;
import dev.leastprivilege.core.syscall.SyscallTables;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads seccomp audit records, wherever the kernel's audit subsystem put them:
 *
 * <ul>
 *   <li>/dev/kmsg, when no audit daemon runs: {@code 5,24138,29829288067,-;audit: type=1326
 *       audit(1796006057.062:18519): ... pid=16146 comm="ls" exe="/bin/busybox" sig=0 arch=c000003e
 *       syscall=231 compat=0 ip=0x461189 code=0x7ffc0000}
 *   <li>dmesg output of the same ({@code [29829.288067] audit: type=1326 ...})
 *   <li>the audit daemon's log: {@code type=SECCOMP msg=audit(1796006057.062:18519): ...}, with
 *       auditd's enriched fields after a 0x1d separator.
 * </ul>
 *
 * The kernel writes comm and exe quoted, or as hex when they hold a space, a quote or a control
 * character (audit_log_untrustedstring); both are read.
 */
public final class SeccompRecordParser {
  private static final Pattern HEAD =
      Pattern.compile("(?:type=1326 audit|type=SECCOMP msg=audit)\\((\\d+)\\.(\\d{3}):\\d+\\):");
  private static final Pattern PID = Pattern.compile("\\bpid=(\\d+)\\b");
  private static final Pattern ARCH = Pattern.compile("\\barch=([0-9a-fA-F]+)\\b");
  private static final Pattern SYSCALL = Pattern.compile("\\bsyscall=(\\d+)\\b");
  private static final Pattern COMM = untrustedField("comm");
  private static final Pattern EXE = untrustedField("exe");

  private SeccompRecordParser() {}

  /**
   * Parses one line of /dev/kmsg ("6,123,456,-;audit: type=1326 audit(…): …"), dmesg output, or an
   * audit.log line ("type=SECCOMP msg=audit(…): …"); empty for any other line.
   */
  public static Optional<SeccompRecord> parse(String line) {
    return parseRaw(line).map(Raw::record);
  }

  /** A record and the audit architecture as printed, for naming calls of unknown architectures. */
  record Raw(SeccompRecord record, String auditArch) {}

  static Optional<Raw> parseRaw(String line) {
    if (line == null) {
      return Optional.empty();
    }
    Matcher head = HEAD.matcher(line);
    if (!head.find()) {
      return Optional.empty();
    }
    // Fields after the kernel's part (auditd appends uppercase interpretations after 0x1d).
    String body = line.substring(head.end());
    int enriched = body.indexOf('\u001d');
    if (enriched >= 0) {
      body = body.substring(0, enriched);
    }
    Matcher pid = PID.matcher(body);
    Matcher arch = ARCH.matcher(body);
    Matcher syscall = SYSCALL.matcher(body);
    if (!pid.find() || !arch.find() || !syscall.find()) {
      return Optional.empty();
    }
    int number;
    long task;
    try {
      number = Integer.parseInt(syscall.group(1));
      task = Long.parseLong(pid.group(1));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    String auditArch = arch.group(1).toLowerCase(java.util.Locale.ROOT);
    Architecture architecture = AuditArchitectures.of(auditArch, number).orElse(null);
    String name = null;
    if (architecture != null) {
      SyscallTable table = SyscallTables.of(architecture);
      name = table == null ? null : table.name(number);
    }
    Instant time =
        Instant.ofEpochSecond(Long.parseLong(head.group(1)))
            .plusMillis(Long.parseLong(head.group(2)));
    SeccompRecord r =
        new SeccompRecord(
            task, untrusted(body, COMM), untrusted(body, EXE), architecture, number, name, time);
    return Optional.of(new Raw(r, auditArch));
  }

  /** A field the kernel writes with audit_log_untrustedstring: "quoted", hex, or (null). */
  private static Pattern untrustedField(String field) {
    return Pattern.compile("\\b" + field + "=(\"([^\"]*)\"|([0-9A-F]+)\\b|\\(null\\))");
  }

  private static String untrusted(String body, Pattern field) {
    Matcher m = field.matcher(body);
    if (!m.find()) {
      return null;
    }
    if (m.group(2) != null) {
      return m.group(2);
    }
    if (m.group(3) != null && m.group(3).length() % 2 == 0) {
      return new String(HexFormat.of().parseHex(m.group(3)), StandardCharsets.UTF_8);
    }
    return null;
  }
}
