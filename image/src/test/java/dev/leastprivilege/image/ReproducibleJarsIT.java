package dev.leastprivilege.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reproducible builds: the same sources give byte-identical jars. The shipped jars are built a
 * second time, from a copy of the sources in another directory, with another umask, time zone and
 * locale, and laid out again by image/layout.sh; every file of the image's /opt/lpo, and lpo.jar,
 * must be the first build's byte for byte. A differing jar is reported with the entries that
 * differ.
 */
class ReproducibleJarsIT {
  /** Never copied: build output, the repository, lpo local's state. */
  private static final Set<String> NOT_SOURCES = Set.of("target", ".git", ".lpo", ".idea");

  private static final String LPO_JAR = "operator/cli/target/lpo.jar";

  @Test
  void theSameSourcesGiveByteIdenticalJars(@TempDir Path dir) throws Exception {
    Path top = Path.of(System.getProperty("lpo.top", "..")).toAbsolutePath().normalize();
    Path copy = dir.resolve("elsewhere/sources");
    copySources(top, copy);
    Path log = dir.resolve("build.log");
    // Another umask, another time zone, another locale: none of them may reach a jar. The archiver
    // takes each entry's mode from the file on disk and, for reproducible builds, clears the group
    // and other write bits (umask 022), so 002 and 022 give the same jars; a umask that takes
    // read away (027, 077) gives other modes, which this check reports (docs/install.md).
    run(
        copy,
        log,
        "umask 0002 && exec \"$0\" \"$@\"",
        Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(),
        "-B",
        "-ntp",
        "-o",
        "-q",
        "-Dmaven.repo.local=" + System.getProperty("maven.repo.local"),
        "package",
        "-DskipTests",
        "-Dspotless.check.skip=true",
        "-Denforcer.skip=true",
        "-pl",
        "operator/controller,operator/agent,operator/recorder,operator/cli",
        "-am");
    Path secondLayout = copy.resolve("image/target/layout");
    run(
        copy,
        log,
        "exec \"$0\" \"$@\"",
        copy.resolve("image/layout.sh").toString(),
        secondLayout.toString());

    Layout first = Layout.built();
    Layout second = Layout.at(secondLayout);
    Map<String, List<String>> differences = new LinkedHashMap<>();
    assertEquals(first.files(), second.files(), "files under /opt/lpo");
    for (String file : first.files()) {
      compare(file, first.optLpo.resolve(file), second.optLpo.resolve(file), differences);
    }
    compare(LPO_JAR, top.resolve(LPO_JAR), copy.resolve(LPO_JAR), differences);
    assertEquals(Map.of(), differences, "jars that differ between the two builds, and where");
  }

  private static void compare(String name, Path a, Path b, Map<String, List<String>> differences)
      throws IOException {
    if (Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) {
      return;
    }
    differences.put(name, differingEntries(a, b));
  }

  /** Which entries differ, and in what: presence, order, bytes, time, mode or extra fields. */
  static List<String> differingEntries(Path a, Path b) throws IOException {
    List<String> out = new ArrayList<>();
    try (ZipFile za = new ZipFile(a.toFile());
        ZipFile zb = new ZipFile(b.toFile())) {
      List<String> na = za.stream().map(ZipEntry::getName).toList();
      List<String> nb = zb.stream().map(ZipEntry::getName).toList();
      TreeSet<String> all = new TreeSet<>(na);
      all.addAll(nb);
      for (String entry : all) {
        ZipEntry ea = za.getEntry(entry);
        ZipEntry eb = zb.getEntry(entry);
        if (ea == null || eb == null) {
          out.add(entry + ": only in the " + (ea == null ? "second" : "first") + " build");
        } else if (!Arrays.equals(
            za.getInputStream(ea).readAllBytes(), zb.getInputStream(eb).readAllBytes())) {
          out.add(entry + ": content");
        } else if (ea.getTime() != eb.getTime()) {
          out.add(entry + ": time " + ea.getTime() + " / " + eb.getTime());
        } else if (!Arrays.equals(ea.getExtra(), eb.getExtra())) {
          out.add(entry + ": extra fields (times, permissions)");
        }
      }
      if (out.isEmpty() && !na.equals(nb)) {
        out.add("the entries' order");
      }
    }
    if (out.isEmpty()) {
      Map<String, Integer> ma = unixModes(a);
      Map<String, Integer> mb = unixModes(b);
      ma.forEach(
          (entry, mode) -> {
            if (!mode.equals(mb.get(entry))) {
              out.add(
                  entry
                      + ": mode "
                      + Integer.toOctalString(mode)
                      + " / "
                      + Integer.toOctalString(mb.getOrDefault(entry, 0)));
            }
          });
    }
    if (out.isEmpty()) {
      out.add("the zip headers, not the entries or their modes");
    }
    return out;
  }

  /**
   * Each entry's Unix mode, from the central directory's external attributes (high 16 bits), which
   * java.util.zip does not expose: the archiver takes them from the files' modes on disk, so the
   * build's umask can reach them.
   */
  static Map<String, Integer> unixModes(Path jar) throws IOException {
    java.nio.ByteBuffer zip =
        java.nio.ByteBuffer.wrap(Files.readAllBytes(jar)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int end = zip.limit() - 22;
    while (end >= 0 && zip.getInt(end) != 0x06054b50) {
      end--;
    }
    if (end < 0) {
      throw new IOException(jar + ": no end of central directory");
    }
    int entries = Short.toUnsignedInt(zip.getShort(end + 10));
    int at = zip.getInt(end + 16);
    Map<String, Integer> modes = new LinkedHashMap<>();
    for (int i = 0; i < entries; i++) {
      int nameLength = Short.toUnsignedInt(zip.getShort(at + 28));
      int extraLength = Short.toUnsignedInt(zip.getShort(at + 30));
      int commentLength = Short.toUnsignedInt(zip.getShort(at + 32));
      int external = zip.getInt(at + 38);
      byte[] name = new byte[nameLength];
      zip.get(at + 46, name);
      modes.put(
          new String(name, java.nio.charset.StandardCharsets.UTF_8), (external >>> 16) & 0xffff);
      at += 46 + nameLength + extraLength + commentLength;
    }
    return modes;
  }

  private static void copySources(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      files
          .filter(p -> from.relativize(p).toString().isEmpty() || !skipped(from.relativize(p)))
          .forEach(
              p -> {
                Path target = to.resolve(from.relativize(p).toString());
                try {
                  if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                  } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }

  private static boolean skipped(Path relative) {
    for (Path part : relative) {
      if (NOT_SOURCES.contains(part.toString())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs a command through sh in the copy, with another time zone and locale; fails on exit ≠ 0.
   */
  private static void run(Path cwd, Path log, String shell, String... command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", "-c", shell));
    cmd.addAll(List.of(command));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("TZ", "Pacific/Kiritimati");
    pb.environment().put("LC_ALL", "C");
    pb.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
    Process process = pb.start();
    try {
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        throw new AssertionError("still running after 15 minutes: " + cmd);
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
    assertEquals(0, process.exitValue(), () -> String.join(" ", cmd) + ":\n" + tail(log));
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
