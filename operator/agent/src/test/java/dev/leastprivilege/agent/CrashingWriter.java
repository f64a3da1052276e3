package dev.leastprivilege.agent;

import dev.leastprivilege.core.ProfileRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a child JVM by AtomicWriteIT: writes a profile and kills its own process, as kill -9
 * would, when the write reaches the named step.
 */
public final class CrashingWriter {
  private CrashingWriter() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    String crashAt = args[1];
    byte[] content = args[2].getBytes(StandardCharsets.UTF_8);
    ProfileDirectory dir =
        new ProfileDirectory(
            root,
            step -> {
              if (step.equals(crashAt)) {
                Runtime.getRuntime().halt(137);
              }
            });
    dir.write(new ProfileRef("shop", "web"), content);
    System.exit(0);
  }
}
