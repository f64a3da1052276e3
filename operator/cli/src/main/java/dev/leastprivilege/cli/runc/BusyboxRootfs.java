package dev.leastprivilege.cli.runc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small root file system from Debian's busybox-static: every applet, an /etc/passwd with root,
 * app (1000) and nobody, and a world-writable /tmp.
 *
 * <p>/usr/local/bin/nc carries the file capability cap_net_bind_service+ep, as an image that ran
 * setcap would. Kubernetes gives a non-root container no ambient capabilities, so this is how a
 * non-root process there gets NET_BIND_SERVICE: the capability must be in the container's set and
 * on the file.
 */
public final class BusyboxRootfs {
  static final List<String> CANDIDATES = List.of("/bin/busybox", "/usr/bin/busybox");
  public static final String FILE_CAPS_NC = "/usr/local/bin/nc";

  private BusyboxRootfs() {}

  public static Path busybox() throws EnvironmentException {
    for (String c : CANDIDATES) {
      Path p = Path.of(c);
      if (Files.isRegularFile(p)) {
        if (!isStatic(p)) {
          throw new EnvironmentException(
              p
                  + " is dynamically linked and cannot run alone in a container;"
                  + " install the static build: apt-get install busybox-static (or pass --rootfs DIR)");
        }
        return p;
      }
    }
    throw new EnvironmentException(
        "busybox not found; install it with: apt-get install busybox-static"
            + " (or pass --rootfs DIR)");
  }

  public static void create(Path root) throws IOException, EnvironmentException {
    Path busybox = busybox();
    Path bin = Files.createDirectories(root.resolve("bin"));
    Files.copy(busybox, bin.resolve("busybox"));
    for (String applet : run(List.of(busybox.toString(), "--list-full")).split("\n")) {
      if (applet.isBlank() || applet.equals("bin/busybox")) {
        continue;
      }
      Path link = root.resolve(applet);
      Files.createDirectories(link.getParent());
      if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        // Relative, so the link means the same inside the container and from the host.
        Files.createSymbolicLink(link, link.getParent().relativize(bin.resolve("busybox")));
      }
    }
    Path etc = Files.createDirectories(root.resolve("etc"));
    Files.writeString(
        etc.resolve("passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n");
    Files.writeString(etc.resolve("hostname"), "lpo\n");
    Files.createDirectories(root.resolve("root"));
    Files.createDirectories(root.resolve("home/app"));
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("sys"));
    Files.createDirectories(root.resolve("dev"));
    // 1777 needs the sticky bit, which Java's PosixFilePermissions cannot set.
    Path tmp = Files.createDirectories(root.resolve("tmp"));
    run(List.of("chmod", "1777", tmp.toString()));
    run(List.of("chown", "1000:1000", root.resolve("home/app").toString()));
    addFileCapabilityNc(root, busybox);
  }

  private static void addFileCapabilityNc(Path root, Path busybox)
      throws IOException, EnvironmentException {
    Path setcap =
        Executables.find("setcap")
            .orElseThrow(
                () ->
                    new EnvironmentException(
                        "setcap not found; install it with: apt-get install libcap2-bin"));
    Path copy = Files.createDirectories(root.resolve("opt/filecaps")).resolve("busybox");
    Files.copy(busybox, copy);
    run(List.of(setcap.toString(), "cap_net_bind_service+ep", copy.toString()));
    Path nc = root.resolve(FILE_CAPS_NC.substring(1));
    Files.createDirectories(nc.getParent());
    Files.deleteIfExists(nc);
    Files.createSymbolicLink(nc, nc.getParent().relativize(copy));
  }

  /** True when the ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
  static boolean isStatic(Path elf) throws EnvironmentException {
    try {
      byte[] all = Files.readAllBytes(elf);
      if (all.length < 64
          || all[0] != 0x7f
          || all[1] != 'E'
          || all[2] != 'L'
          || all[3] != 'F'
          || all[4] != 2) {
        throw new EnvironmentException(elf + " is not a 64-bit ELF program");
      }
      ByteBuffer b =
          ByteBuffer.wrap(all).order(all[5] == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
      long phoff = b.getLong(0x20);
      int phentsize = Short.toUnsignedInt(b.getShort(0x36));
      int phnum = Short.toUnsignedInt(b.getShort(0x38));
      for (int i = 0; i < phnum; i++) {
        if (b.getInt((int) (phoff + (long) i * phentsize)) == 3) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw new EnvironmentException("cannot read " + elf + ": " + e.getMessage());
    }
  }

  private static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", command) + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return out;
  }
}
