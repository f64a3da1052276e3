package dev.leastprivilege.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.core.ProfileRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileDirectoryTest {
  @TempDir Path tmp;

  private static byte[] json(String s) {
    return ("{\"defaultAction\": \"" + s + "\"}\n").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void writesWhereTheKubeletLooksAndSkipsEqualBytes() throws IOException {
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    ProfileRef ref = new ProfileRef("shop", "web");
    assertTrue(dir.write(ref, json("A")));
    assertFalse(dir.write(ref, json("A")), "same bytes: no write");
    assertTrue(dir.write(ref, json("B")));
    assertEquals(
        new String(json("B"), StandardCharsets.UTF_8),
        Files.readString(tmp.resolve("root/leastprivilege/shop/web.json")));
    assertEquals(Set.of(ref), dir.list());
  }

  @Test
  void refusesADirectoryLinkItDidNotMake() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.createDirectories(tmp.resolve("root/leastprivilege"));
    Files.createSymbolicLink(tmp.resolve("root/leastprivilege/shop"), outside);
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    IOException e =
        assertThrows(IOException.class, () -> dir.write(new ProfileRef("shop", "web"), json("A")));
    assertTrue(
        e.getMessage().contains("is a symbolic link the agent did not create"), e.getMessage());
    try (var s = Files.list(outside)) {
      assertEquals(0, s.count(), "nothing was written through the link");
    }
  }

  @Test
  void refusesAFileLinkItDidNotMake() throws IOException {
    Path victim = Files.writeString(tmp.resolve("victim"), "precious");
    Files.createDirectories(tmp.resolve("root/leastprivilege/shop"));
    Files.createSymbolicLink(tmp.resolve("root/leastprivilege/shop/web.json"), victim);
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    assertThrows(IOException.class, () -> dir.write(new ProfileRef("shop", "web"), json("A")));
    assertThrows(IOException.class, () -> dir.remove(new ProfileRef("shop", "web")));
    assertEquals("precious", Files.readString(victim));
  }

  @Test
  void refusesNamesThatWouldLeaveTheRoot() {
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    for (ProfileRef bad :
        new ProfileRef[] {
          new ProfileRef("..", "x"),
          new ProfileRef("shop", "../../etc/passwd"),
          new ProfileRef("shop", "a/b"),
          new ProfileRef("Shop", "x")
        }) {
      IOException e =
          assertThrows(IOException.class, () -> dir.write(bad, json("A")), bad.toString());
      assertTrue(e.getMessage().startsWith("refusing profile"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("etc")));
  }

  @Test
  void garbageCollectionRemovesOrphansTempFilesAndEmptyNamespaces() throws IOException {
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    ProfileRef keep = new ProfileRef("shop", "keep");
    dir.write(keep, json("A"));
    dir.write(new ProfileRef("shop", "orphan"), json("A"));
    dir.write(new ProfileRef("gone", "x"), json("A"));
    Path temp =
        Files.writeString(
            tmp.resolve(
                "root/leastprivilege/shop/"
                    + ProfileDirectory.TEMP_PREFIX
                    + "keep.123"
                    + ProfileDirectory.TEMP_SUFFIX),
            "{\"defaultAc");
    Path foreign = Files.writeString(tmp.resolve("root/other-tool.json"), "{}");

    assertEquals(
        Set.of(new ProfileRef("shop", "orphan"), new ProfileRef("gone", "x")),
        dir.collectGarbage(Set.of(keep)));
    assertEquals(Set.of(keep), dir.list());
    assertFalse(Files.exists(temp));
    assertFalse(Files.exists(tmp.resolve("root/leastprivilege/gone")));
    assertTrue(Files.exists(foreign), "files outside leastprivilege/ are not ours to touch");
  }
}
