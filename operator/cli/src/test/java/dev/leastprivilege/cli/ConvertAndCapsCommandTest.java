package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertAndCapsCommandTest {
  @TempDir Path dir;

  @Test
  void convertWritesAManifestThatLintAccepts() throws Exception {
    Path json = Path.of(ConvertAndCapsCommandTest.class.getResource("/docker-style.json").toURI());
    Path yaml = dir.resolve("p.yaml");
    Cli.Result r =
        Cli.run(
            "convert",
            json.toString(),
            "--name",
            "docker-default",
            "--namespace",
            "shop",
            "--arch",
            "amd64",
            "-o",
            yaml.toString());
    assertEquals(0, r.code(), r.err());
    String text = Files.readString(yaml);
    assertTrue(
        text.startsWith("# Converted by lpo convert from docker-style.json for SCMP_ARCH_X86_64"),
        text);
    assertTrue(text.contains("kind: SeccompProfile") && text.contains("namespace: shop"), text);
    assertTrue(!text.contains("archMap") && !text.contains("includes"), text);
    assertEquals(0, Cli.run("lint", yaml.toString()).code());
  }

  @Test
  void convertRefusesMalformedJsonWithTheLine() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\n  \"defaultAction\": \n}");
    Cli.Result r = Cli.run("convert", bad.toString(), "--name", "x");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("bad.json:3: malformed JSON"), r.err());
  }

  @Test
  void capsDecodePrintsExactlyWhatCapshPrints() {
    Cli.Result r = Cli.run("caps", "decode", "0x00000000800405fb");
    assertEquals(0, r.code());
    assertEquals(
        "cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_kill,cap_setgid,cap_setuid,cap_setpcap,"
            + "cap_net_bind_service,cap_sys_chroot,cap_setfcap\n",
        r.out());
  }

  @Test
  void capsEncodeAndEffective() {
    assertEquals("0x0000000000000400\n", Cli.run("caps", "encode", "cap_net_bind_service").out());
    assertEquals("0x0000000000000401\n", Cli.run("caps", "encode", "CHOWN,NET_BIND_SERVICE").out());
    assertEquals(
        "0x0000000000000400 cap_net_bind_service\n",
        Cli.run("caps", "effective", "--drop", "ALL", "--add", "NET_BIND_SERVICE").out());
  }

  @Test
  void capsRefuseBadInput() {
    Cli.Result r = Cli.run("caps", "decode", "0xnothex");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("not a hex capability mask: \"0xnothex\""), r.err());
    Cli.Result e = Cli.run("caps", "encode", "NET_BIND");
    assertEquals(1, e.code());
    assertTrue(e.err().contains("unknown capability \"NET_BIND\""), e.err());
  }
}
