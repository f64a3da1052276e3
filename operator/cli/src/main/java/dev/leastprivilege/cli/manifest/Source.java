package dev.leastprivilege.cli.manifest;

import java.nio.file.Path;

/** Where an object came from: file and the line its YAML document starts on. */
public record Source(Path file, int line) {
  @Override
  public String toString() {
    return file + ":" + line;
  }
}
