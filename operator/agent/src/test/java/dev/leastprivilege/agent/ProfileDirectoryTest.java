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
import java.util.List;
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
    assertEquals(List.of(new ProfileDirectory.ProfileFile("shop", "web.json")), dir.scan().files());
  }

  @Test
  void theLongestNameTheApiAllowsIsWrittenOnTheRealFileSystem() throws IOException {
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    for (int length : new int[] {210, 250, 251, 253}) {
      ProfileRef ref = new ProfileRef("shop", "a".repeat(length - 1) + "z");
      assertTrue(dir.write(ref, json("A")), length + " chars");
      Path file = tmp.resolve("root").resolve(ref.localhostProfile());
      assertEquals(new String(json("A"), StandardCharsets.UTF_8), Files.readString(file));
    }
    try (var s = Files.list(tmp.resolve("root/leastprivilege/shop"))) {
      assertEquals(4, s.count(), "four files, no temporary file left");
    }
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
  void theScanGoesPastWhatItDidNotWriteAndRemovesTemporaries() throws IOException {
    ProfileDirectory dir = new ProfileDirectory(tmp.resolve("root"));
    ProfileRef web = new ProfileRef("shop", "web");
    dir.write(web, json("A"));
    dir.write(new ProfileRef("gone", "x"), json("A"));
    Path shop = tmp.resolve("root/leastprivilege/shop");
    Path gone = tmp.resolve("root/leastprivilege/gone");
    Path temp = Files.writeString(shop.resolve(".lpo-web.123.tmp"), "{\"defaultAc");
    Path oldTemp = Files.writeString(gone.resolve(".lpo-0b6f.tmp"), "{");
    Path notes = Files.writeString(shop.resolve("Notes.json"), "{}");
    Path readme = Files.writeString(shop.resolve("README.md"), "mine");
    Path sub = Files.createDirectories(shop.resolve("sub.json"));
    Path foreignNs = Files.createDirectories(tmp.resolve("root/leastprivilege/Other_Tool"));
    Path top = Files.writeString(tmp.resolve("root/leastprivilege/top.json"), "{}");
    Files.delete(gone.resolve("x.json"));

    ProfileDirectory.Scan scan = dir.scan();

    assertEquals(List.of(new ProfileDirectory.ProfileFile("shop", "web.json")), scan.files());
    assertEquals(2, scan.removedTemporaries());
    assertFalse(Files.exists(temp) || Files.exists(oldTemp), "temporary files removed");
    assertFalse(Files.exists(gone), "the emptied namespace directory removed");
    for (Path kept : new Path[] {notes, readme, sub, foreignNs, top}) {
      assertTrue(Files.exists(kept), kept + " is not the agent's to remove");
      assertTrue(
          scan.skipped().stream().anyMatch(m -> m.startsWith(kept.toString())),
          kept + " is named as skipped: " + scan.skipped());
    }
    assertThrows(
        IOException.class,
        () -> dir.remove(new ProfileDirectory.ProfileFile("shop", "Notes.json")),
        "never removes a file that is not of the form of its own");
  }
}
