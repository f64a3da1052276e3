package dev.leastprivilege.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClassDataArchiveCheckTest {
  private static final List<String> WITH_ARCHIVE =
      List.of(
          "/opt/lpo/jre/bin/java",
          "-Xmx64m",
          "-XX:SharedArchiveFile=/opt/lpo/agent.jsa",
          "-Xshare:auto",
          "-cp",
          "/opt/lpo/lpo-agent.jar");

  @Test
  void warnsWhenTheJvmWasGivenAnArchiveAndDoesNotShare() {
    Optional<String> warning = ClassDataArchiveCheck.warning(WITH_ARCHIVE, "mixed mode");
    assertTrue(warning.isPresent());
    assertTrue(warning.get().contains("/opt/lpo/agent.jsa"), warning.get());
    assertTrue(warning.get().contains("docs/troubleshooting.md"), warning.get());
  }

  @Test
  void silentWhenTheJvmShares() {
    assertEquals(
        Optional.empty(), ClassDataArchiveCheck.warning(WITH_ARCHIVE, "mixed mode, sharing"));
  }

  @Test
  void silentWhenNoArchiveWasGiven() {
    assertEquals(
        Optional.empty(),
        ClassDataArchiveCheck.warning(List.of("java", "-Xmx64m", "-cp", "a.jar"), "mixed mode"));
  }

  @Test
  void readsThisProcesssOwnCommandLine() {
    // The test JVM's command line: the java launcher first.
    List<String> own = ClassDataArchiveCheck.ownCommandLine();
    assertTrue(own.get(0).endsWith("java"), own::toString);
  }
}
