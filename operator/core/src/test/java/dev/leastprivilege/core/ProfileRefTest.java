package dev.leastprivilege.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.leastprivilege.api.v1alpha1.ApiNames;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProfileRefTest {
  private static String last(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @Test
  void theLongestNameTheApiAllowsHasAFileNameLinuxTakes() {
    String name = "a".repeat(ApiNames.MAX_NAME_LENGTH);
    String file = last(new ProfileRef("shop", name).localhostProfile());
    assertTrue(
        file.getBytes(StandardCharsets.UTF_8).length <= ProfileRef.MAX_FILE_NAME,
        file.length() + " bytes");
    assertTrue(file.endsWith(".json"));
    assertTrue(ProfileRef.isProfileFileName(file));
  }

  @Test
  void namesUpTo250CharactersKeepTheirPath() {
    assertEquals("leastprivilege/shop/web.json", new ProfileRef("shop", "web").localhostProfile());
    String name = "b".repeat(ProfileRef.MAX_PLAIN_NAME);
    assertEquals(name + ".json", new ProfileRef("shop", name).fileName());
  }

  @Test
  void longNamesThatDifferOnlyAfterTheCutHaveDifferentFiles() {
    String stem = "c".repeat(250);
    String a = new ProfileRef("shop", stem + "-a1").fileName();
    String b = new ProfileRef("shop", stem + "-a2").fileName();
    assertNotEquals(a, b);
    assertEquals(ProfileRef.MAX_FILE_NAME, a.length());
  }

  @Test
  void aLongNamesFileIsNeverAPlainNamesFile() {
    String file = new ProfileRef("shop", "d".repeat(253)).fileName();
    String stem = file.substring(0, file.length() - ".json".length());
    assertTrue(stem.indexOf(ProfileRef.HASH_SEPARATOR) > 0);
    assertFalse(
        dev.leastprivilege.core.profile.Names.isObjectName(stem),
        "no profile can be named like a long name's file");
  }

  @Test
  void aPodsPathLeadsBackToTheSamePathWhateverTheNameLength() {
    for (String name : new String[] {"web", "e".repeat(250), "f".repeat(251), "g".repeat(253)}) {
      ProfileRef ref = new ProfileRef("shop", name);
      ProfileRef read =
          ProfileRef.fromLocalhostProfile("./" + ref.localhostProfile()).orElseThrow();
      assertEquals(ref.localhostProfile(), read.localhostProfile(), name.length() + " chars");
      assertEquals("shop", ProfileRef.namespaceOf(ref.localhostProfile()).orElseThrow());
    }
  }

  @Test
  void recognisesOnlyItsOwnFileNames() {
    assertTrue(ProfileRef.isProfileFileName("web.json"));
    assertFalse(ProfileRef.isProfileFileName("Web.json"));
    assertFalse(ProfileRef.isProfileFileName("notes.txt"));
    assertFalse(ProfileRef.isProfileFileName(".lpo-x.tmp"));
    assertFalse(ProfileRef.isProfileFileName("a_b.json"));
  }
}
