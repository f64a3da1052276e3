package dev.leastprivilege.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which binaries the real-API-server tier runs, and the flags it gives each version; the version is
 * written in one place (e2e/cluster/kubernetes.env) and nowhere else in code or scripts.
 */
class KubernetesBinariesTest {
  @TempDir Path dir;

  @Test
  void envtestsAssetsDirectoryGivesAllThreeAndTheirVersion() throws IOException {
    Path assets = binaries(dir.resolve("envtest"), "v1.30.0");
    KubernetesBinaries b =
        KubernetesBinaries.resolve(p -> null, Map.of("KUBEBUILDER_ASSETS", assets.toString()));
    assertEquals(assets.resolve("kube-apiserver"), b.apiServer());
    assertEquals(assets.resolve("etcd"), b.etcd());
    assertEquals(assets.resolve("kubectl"), b.kubectl());
    assertEquals(new KubeVersion(1, 30, 0, "v1.30.0"), b.version());
    assertFalse(b.pinned());
  }

  @Test
  void aBinaryGivenAloneWinsAndAPropertyWinsOverTheEnvironment() throws IOException {
    Path assets = binaries(dir.resolve("envtest"), "v1.30.0");
    Path other = binaries(dir.resolve("other"), "v1.31.2");
    Map<String, String> properties =
        Map.of("lpo.kube.apiserver", other.resolve("kube-apiserver").toString());
    KubernetesBinaries b =
        KubernetesBinaries.resolve(
            properties::get,
            Map.of(
                "KUBEBUILDER_ASSETS",
                assets.toString(),
                "LPO_KUBE_APISERVER",
                assets.resolve("kube-apiserver").toString(),
                "LPO_ETCD",
                other.resolve("etcd").toString()));
    assertEquals(other.resolve("kube-apiserver"), b.apiServer());
    assertEquals(other.resolve("etcd"), b.etcd());
    assertEquals(assets.resolve("kubectl"), b.kubectl(), "the directory's, given with it");
    assertEquals("v1.31.2", b.version().gitVersion());
  }

  @Test
  void kubectlDefaultsToTheOneBesideTheGivenApiServer() throws IOException {
    Path bin = binaries(dir.resolve("bin"), "v1.29.4");
    KubernetesBinaries b =
        KubernetesBinaries.resolve(
            Map.of(
                    "lpo.kube.apiserver",
                    bin.resolve("kube-apiserver").toString(),
                    "lpo.etcd",
                    bin.resolve("etcd").toString())
                ::get,
            Map.of());
    assertEquals(bin.resolve("kubectl"), b.kubectl());
  }

  @Test
  void aMissingBinaryIsNamedWithWhatToDo() throws IOException {
    Path assets = binaries(dir.resolve("envtest"), "v1.30.0");
    Files.delete(assets.resolve("etcd"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                KubernetesBinaries.resolve(
                    p -> null, Map.of("KUBEBUILDER_ASSETS", assets.toString())));
    assertEquals(
        assets.resolve("etcd")
            + " (etcd) is missing: run e2e/cluster/build-k8s.sh first (CI does), or give the"
            + " binaries by path (README, \"Run the tests\")",
        e.getMessage());
  }

  @Test
  void anApiServerOlderThanTheProductSupportsIsRefused() throws IOException {
    Path assets = binaries(dir.resolve("old"), "v1.19.16");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                KubernetesBinaries.resolve(
                    p -> null, Map.of("KUBEBUILDER_ASSETS", assets.toString())));
    assertTrue(
        e.getMessage()
            .endsWith(
                "is Kubernetes v1.19.16; the product supports 1.20 and later (docs/install.md)"),
        e.getMessage());
  }

  @Test
  void theEphemeralContainersGateIsGivenOnlyWhereItIsOffByDefaultAndStillExists() {
    assertEquals(List.of("--feature-gates=EphemeralContainers=true"), flags("Kubernetes v1.20.15"));
    assertEquals(List.of("--feature-gates=EphemeralContainers=true"), flags("Kubernetes v1.22.17"));
    // Beta and on from 1.23; from 1.27 the gate is gone and naming it stops the API server.
    assertEquals(List.of(), flags("Kubernetes v1.23.0"));
    assertEquals(List.of(), flags("Kubernetes v1.30.0"));
  }

  @Test
  void versionsAreReadAsBinariesPrintThem() {
    assertEquals(
        new KubeVersion(1, 20, 15, "v1.20.15"), KubeVersion.parse("Kubernetes v1.20.15\n"));
    assertEquals("1.20.15", KubeVersion.parse("1.20.15").semver());
    assertEquals("v1.31.0-rc.1", KubeVersion.parse("Kubernetes v1.31.0-rc.1").gitVersion());
    assertTrue(KubeVersion.parse("v1.21.0").atLeast(1, 21));
    assertFalse(KubeVersion.parse("v1.20.9").atLeast(1, 21));
    assertTrue(KubeVersion.parse("v2.0.0").atLeast(1, 30));
    assertThrows(IllegalArgumentException.class, () -> KubeVersion.parse("etcd Version: ?"));
  }

  /**
   * Binaries given by path are linked into a directory of the user's cache that only the user can
   * read: kube-api-test writes the API server's keys there.
   */
  @Test
  void binariesGivenByPathAreLinkedInTheUsersCacheReadableByTheUserAlone() throws IOException {
    Path assets = binaries(dir.resolve("envtest"), "v1.30.0");
    KubernetesBinaries b =
        KubernetesBinaries.resolve(p -> null, Map.of("KUBEBUILDER_ASSETS", assets.toString()));
    Path cache = dir.resolve("home/.cache/lpo");
    Path top = b.kubeApiTestDir(cache);
    assertEquals(cache, top.getParent());
    assertTrue(top.getFileName().toString().startsWith("kube-by-path-"), top.toString());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(top)));
    assertEquals(
        assets.resolve("kube-apiserver"),
        Files.readSymbolicLink(top.resolve("k8s/1.30.0-linux-amd64/kube-apiserver")));
    // Again, over a directory an earlier run left open to others.
    Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(top, b.kubeApiTestDir(cache));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(top)));
  }

  /**
   * The pinned version is written in e2e/cluster/kubernetes.env only: no code, script, build file
   * or chart repeats it (docs may say it in prose).
   */
  @Test
  void thePinnedVersionIsWrittenInOnePlace() throws IOException {
    String pinned = KubernetesBinaries.pinnedVersion();
    assertTrue(pinned.matches("\\d+\\.\\d+\\.\\d+"), pinned);
    Path top = KubernetesBinaries.top();
    List<String> repeated;
    try (Stream<Path> files = Files.walk(top)) {
      repeated =
          files
              .filter(p -> !skipped(top.relativize(p)))
              .filter(Files::isRegularFile)
              .filter(p -> !p.equals(top.resolve(KubernetesBinaries.VERSION_FILE)))
              .filter(p -> !p.toString().endsWith(".md"))
              .filter(p -> contains(p, pinned))
              .map(p -> top.relativize(p).toString())
              .sorted()
              .toList();
    }
    assertEquals(List.of(), repeated, "files that write " + pinned + " again");
  }

  private static boolean skipped(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.equals("target") || name.equals("node_modules") || name.startsWith(".git")) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(Path file, String text) {
    try {
      return Files.readString(file).contains(text);
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // not text (an image, a jar)
    }
  }

  private List<String> flags(String printed) {
    Path nowhere = dir.resolve("none");
    return new KubernetesBinaries(nowhere, nowhere, nowhere, KubeVersion.parse(printed))
        .apiServerFlags();
  }

  /** kube-apiserver, etcd and kubectl stand-ins that print a version, as the real ones do. */
  private static Path binaries(Path bin, String version) throws IOException {
    Files.createDirectories(bin);
    for (String name : List.of("kube-apiserver", "etcd", "kubectl")) {
      Path f = bin.resolve(name);
      Files.writeString(f, "#!/bin/sh\necho Kubernetes " + version + "\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return bin;
  }
}
