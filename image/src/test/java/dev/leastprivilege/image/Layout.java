package dev.leastprivilege.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The image's /opt/lpo as image/layout.sh lays it out (in target/layout, by this module's package
 * phase): the programs' launchers and, under lib/, the jars they name.
 */
final class Layout {
  /** The launchers: a program module's jar each (image/layout.sh). */
  static final List<String> LAUNCHERS =
      List.of("lpo-controller.jar", "lpo-agent.jar", "lpo-recorder.jar");

  final Path optLpo;

  private Layout(Path optLpo) {
    this.optLpo = optLpo;
  }

  static Layout built() {
    return at(Path.of(System.getProperty("lpo.layout", "target/layout")));
  }

  static Layout at(Path root) {
    Path optLpo = root.resolve("opt/lpo");
    if (!Files.isDirectory(optLpo)) {
      throw new IllegalStateException(
          optLpo.toAbsolutePath()
              + " is missing: it is made at package (mvn -pl image -am verify)");
    }
    return new Layout(optLpo);
  }

  Path launcher(String name) {
    return optLpo.resolve(name);
  }

  /** A launcher's manifest Class-Path, as written (lib/<file>.jar each). */
  static List<String> classPath(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      String cp = file.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      return cp == null ? List.of() : Arrays.stream(cp.trim().split("\\s+")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String mainClass(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every file under /opt/lpo, relative to it, sorted. */
  List<String> files() {
    try (Stream<Path> all = Files.walk(optLpo)) {
      return all.filter(Files::isRegularFile)
          .map(p -> optLpo.relativize(p).toString())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
