package dev.leastprivilege.api.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RenderedProfileConfigMapTest {
  @Test
  void writesAndReadsTheContract() {
    byte[] json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\n".getBytes(StandardCharsets.UTF_8);
    ConfigMap cm = RenderedProfileConfigMap.build("lpo-system", "shop", "web", json, "sha256:ab");
    assertEquals("seccomp.shop.web", cm.getMetadata().getName());
    assertEquals("lpo-system", cm.getMetadata().getNamespace());
    assertEquals(
        "rendered-profile",
        cm.getMetadata().getLabels().get(RenderedProfileConfigMap.COMPONENT_LABEL));
    RenderedProfileConfigMap.Content c = RenderedProfileConfigMap.read(cm).orElseThrow();
    assertEquals("shop", c.namespace());
    assertEquals("web", c.name());
    assertArrayEquals(json, c.json());
    assertEquals("sha256:ab", c.contentHash());
  }

  @Test
  void namesStayUniqueAndValidForLongProfileNames() {
    String longName = "a".repeat(250);
    String n = RenderedProfileConfigMap.nameFor("shop", longName);
    assertTrue(n.length() <= 253, n);
    assertTrue(n.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"), n);
    assertTrue(!n.equals(RenderedProfileConfigMap.nameFor("shop", longName + "b")));
  }

  @Test
  void longNamesThatDifferOnlyAfterTheCutNeverShareAConfigMap() {
    // "c0" and "an" have the same 32-bit String hash: a scheme built on it gave both one name.
    String stem = "x".repeat(240);
    String a = stem + "c0";
    String b = stem + "an";
    assertEquals(("shop/" + a).hashCode(), ("shop/" + b).hashCode(), "the premise");
    String na = RenderedProfileConfigMap.nameFor("shop", a);
    String nb = RenderedProfileConfigMap.nameFor("shop", b);
    assertNotEquals(na, nb);
    for (String n : new String[] {na, nb}) {
      assertTrue(n.length() <= 253, n);
      assertTrue(n.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"), n);
    }
  }

  @Test
  void shortNamesKeepTheNameEarlierVersionsGaveThem() {
    assertEquals("seccomp.shop.web", RenderedProfileConfigMap.nameFor("shop", "web"));
    String longest = "w".repeat(253 - "seccomp.shop.".length());
    assertEquals("seccomp.shop." + longest, RenderedProfileConfigMap.nameFor("shop", longest));
  }

  @Test
  void identityAndHashNeedNoData() {
    ConfigMap cm =
        RenderedProfileConfigMap.build(
            "lpo-system", "shop", "web", new byte[] {'{', '}'}, "sha256:AB");
    cm.setData(null);
    assertEquals(
        new RenderedProfileConfigMap.Identity("shop", "web"),
        RenderedProfileConfigMap.identity(cm).orElseThrow());
    assertEquals("sha256:ab", RenderedProfileConfigMap.contentHash(cm).orElseThrow());
    assertTrue(RenderedProfileConfigMap.read(cm).isEmpty(), "the whole content needs the data");
  }

  @Test
  void aConfigMapWithoutTheAnnotationsIsNotOurs() {
    ConfigMap cm =
        RenderedProfileConfigMap.build("lpo-system", "shop", "web", new byte[0], "sha256:ab");
    cm.getMetadata().setAnnotations(null);
    assertTrue(RenderedProfileConfigMap.read(cm).isEmpty());
  }
}
