package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPO exports of every shape (our own fixtures, in src/test/resources/spo) through lpo migrate spo,
 * then lpo lint and lpo render, as a user moving a policy repository would.
 */
class MigrateSpoCommandTest {
  private static final Path FIXTURES = Path.of("src/test/resources/spo");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path dir;

  private static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNextValue()) {
        JsonNode d = it.nextValue();
        if (d != null && !d.isNull() && !d.isEmpty()) {
          docs.add(d);
        }
      }
    }
    return docs;
  }

  private static JsonNode find(List<JsonNode> docs, String kind, String ns, String name) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .filter(d -> d.path("metadata").path("namespace").asText().equals(ns))
        .filter(d -> d.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(kind + " " + ns + "/" + name + " not in output"));
  }

  @Test
  void anExportOfEveryShapeConvertsLintsAndRenders() throws Exception {
    Path out = dir.resolve("spo.yaml");
    Cli.Result r =
        Cli.run(
            "migrate",
            "spo",
            FIXTURES.resolve("export-list.yaml").toString(),
            "--namespace",
            "platform",
            "--runtime-base-as-builtin",
            "-o",
            out.toString());
    assertEquals(1, r.code(), "the binding by image needs a decision\n" + r.err());
    String yaml = Files.readString(out);
    List<JsonNode> docs = documents(yaml);
    String fields = String.join("\n", yaml.lines().filter(l -> !l.startsWith("#")).toList());
    String comments =
        String.join(
            " ",
            yaml.lines().filter(l -> l.startsWith("#")).map(l -> l.substring(1).strip()).toList());

    // Cluster-scoped profiles that no binding places go to --namespace; a bound one goes to its
    // bindings' namespaces.
    find(docs, "SeccompProfile", "platform", "log-everything");
    JsonNode denyAll = find(docs, "SeccompProfile", "edge", "deny-everything");
    assertEquals("leastprivilege.dev/v1alpha1", denyAll.path("apiVersion").asText());
    assertEquals("SCMP_ACT_ERRNO", denyAll.path("spec").path("defaultAction").asText());
    assertEquals("platform", denyAll.path("metadata").path("labels").path("team").asText());
    assertEquals(
        "Refuses every system call.",
        denyAll.path("metadata").path("annotations").path("description").asText());
    for (String noise :
        List.of(
            "status",
            "uid:",
            "resourceVersion",
            "finalizers",
            "creationTimestamp",
            "spo.x-k8s.io",
            "last-applied-configuration",
            "state:",
            "listenerPath")) {
      assertFalse(fields.contains(noise), noise + " must not be in the output:\n" + yaml);
    }

    // A binding for every image becomes the podSelector in the binding's namespace, and the base
    // follows its profile there; the profile keeps every argument shape.
    JsonNode web = find(docs, "SeccompProfile", "shop", "web");
    assertEquals(
        "web", web.path("spec").path("podSelector").path("matchLabels").path("app").asText());
    assertEquals("runc-v1.2.5", web.path("spec").path("baseProfileName").asText());
    find(docs, "SeccompProfile", "shop", "runc-v1.2.5");
    assertEquals(
        "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]",
        web.path("spec").path("architectures").toString());
    assertTrue(
        comments.contains("spec.architectures[3]: \"SCMP_ARCH_MIPSEL64\" dropped"), comments);
    assertEquals(
        "{\"index\":0,\"value\":2114060288,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}",
        web.path("spec").path("syscalls").get(3).path("args").get(0).toString());
    assertEquals(
        "{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}",
        web.path("spec").path("syscalls").get(2).path("args").get(0).toString());
    assertEquals(9, web.path("spec").path("syscalls").get(1).path("errnoRet").asInt());

    // SPO's runtime base, absent from the export, becomes ours.
    assertEquals(
        "builtin:runtime-baseline",
        find(docs, "SeccompProfile", "platform", "batch")
            .path("spec")
            .path("baseProfileName")
            .asText());

    // A binding by image needs a decision: the profile is placed, selects nothing, and says why.
    assertTrue(denyAll.path("spec").path("podSelector").isMissingNode(), denyAll.toString());
    assertFalse(
        docs.stream()
            .anyMatch(
                d ->
                    d.path("metadata").path("name").asText().equals("deny-everything")
                        && !d.path("metadata").path("namespace").asText().equals("edge")),
        "a bound profile goes only where it is bound");
    assertTrue(
        comments.contains(
            "- ProfileBinding edge/nginx-image bound this profile to the containers running image"
                + " \"nginx:1.27.2\". This product selects pods by label and containers by name,"
                + " not by image: set spec.podSelector"),
        yaml);
    assertTrue(yaml.lines().allMatch(l -> !l.startsWith("#") || l.length() <= 102), yaml);

    JsonNode recording = find(docs, "ProfileRecording", "shop", "record-api");
    assertEquals("[\"api\"]", recording.path("spec").path("containerNames").toString());
    assertEquals("[\"Seccomp\"]", recording.path("spec").path("record").toString());
    JsonNode worker = find(docs, "ProfileRecording", "jobs", "record-worker");
    assertEquals(
        "{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\",\"values\":[\"worker\",\"cron\"]}]}",
        worker.path("spec").path("podSelector").toString());

    // Skipped objects are named, and so is what was dropped.
    for (String expected :
        List.of(
            "note: "
                + FIXTURES.resolve("export-list.yaml")
                + ": SeccompProfile switched-off: spec.state: skipped: disabled in SPO",
            "SelinuxProfile shop/api-selinux: skipped",
            "AppArmorProfile api-apparmor: skipped",
            "ProfileRecording shop/record-selinux: spec.kind: skipped",
            "SeccompProfile with-listener: spec.listenerPath: dropped",
            "ProfileRecording jobs/record-worker: spec.recorder: Bpf dropped",
            "ProfileRecording jobs/record-worker: spec.disableProfileAfterRecording: dropped",
            "error: "
                + FIXTURES.resolve("export-list.yaml")
                + ": ProfileBinding edge/nginx-image: spec.image: needs your decision: SPO"
                + " confined the containers running nginx:1.27.2 with this profile",
            "1 error.")) {
      assertTrue(r.err().contains(expected), expected + "\n" + r.err());
    }
    assertFalse(
        docs.stream()
            .anyMatch(d -> d.path("metadata").path("name").asText().equals("switched-off")));

    // What lpo lint accepts (warnings allowed), and the i386-only names are warnings.
    Cli.Result lint = Cli.run("lint", out.toString());
    assertEquals(0, lint.code(), lint.out());
    assertTrue(
        lint.out()
            .contains(
                "SeccompProfile platform/complain-but-block-dangerous: warning:"
                    + " spec.syscalls: 4 names are not a system call on SCMP_ARCH_X86_64:"
                    + " \"stime\" (spec.syscalls[1].names[1]) is a system call on"),
        lint.out());
    for (String n : List.of("umount", "vm86old", "vm86")) {
      assertTrue(lint.out().contains("\"" + n + "\" (spec.syscalls[1]"), n + "\n" + lint.out());
    }
    assertEquals(1, Cli.run("lint", "--strict", out.toString()).code());

    // And every profile renders to its node file.
    Path nodes = dir.resolve("nodes");
    Cli.Result render = Cli.run("render", out.toString(), "--out", nodes.toString());
    assertEquals(0, render.code(), render.out() + render.err());
    try (Stream<Path> files = Files.walk(nodes)) {
      long rendered = files.filter(f -> f.toString().endsWith(".json")).count();
      long profiles =
          docs.stream().filter(d -> d.path("kind").asText().equals("SeccompProfile")).count();
      assertEquals(profiles, rendered);
    }
    String dangerous =
        Files.readString(
            nodes.resolve("leastprivilege/platform/complain-but-block-dangerous.json"));
    assertTrue(dangerous.contains("\"vm86old\""), dangerous);
  }

  @Test
  void badObjectsAreNamedWithTheirFieldAndGoodOnesStillConvert() throws Exception {
    Path out = dir.resolve("spo.yaml");
    String file = FIXTURES.resolve("bad-and-good.yaml").toString();
    Cli.Result r = Cli.run("migrate", "spo", file, "-n", "shop", "-o", out.toString());
    assertEquals(1, r.code(), r.err());
    for (String expected :
        List.of(
            "error: "
                + file
                + ": SeccompProfile from-registry: spec.baseProfileName:"
                + " \"oci://ghcr.io/example/profiles/base:v1\" is an OCI artifact, which lpo cannot"
                + " pull",
            "error: "
                + file
                + ": SeccompProfile typo: spec.syscalls[0].names[1]: unknown syscall \"chmodd\""
                + " for SCMP_ARCH_X86_64 (did you mean \"chmod\"?) (as shop/typo)",
            "error: "
                + file
                + ": SeccompProfile no-index: spec.syscalls[0].args[0].index: required",
            "error: "
                + file
                + ": SeccompProfile wrong-action: spec.defaultAction: unknown action"
                + " \"SCMP_ACT_DENY\"",
            "error: "
                + file
                + ": SeccompProfile missing-base: spec.baseProfileName: base profile"
                + " \"company-base\" is not in the input",
            "converted 1 objects",
            "5 errors")) {
      assertTrue(r.err().contains(expected), expected + "\n" + r.err());
    }
    List<JsonNode> docs = documents(Files.readString(out));
    assertEquals(1, docs.size(), docs.toString());
    find(docs, "SeccompProfile", "shop", "good");
    assertEquals(0, Cli.run("lint", "--strict", out.toString()).code());
  }

  @Test
  void namespacedProfilesOfOldSpoKeepTheirNamespace() throws Exception {
    Path out = dir.resolve("spo.yaml");
    Cli.Result r =
        Cli.run(
            "migrate",
            "spo",
            FIXTURES.resolve("namespaced-v1beta1.yaml").toString(),
            "-o",
            out.toString());
    assertEquals(0, r.code(), r.err());
    List<JsonNode> docs = documents(Files.readString(out));
    assertEquals(1, docs.size(), docs.toString());
    JsonNode api = find(docs, "SeccompProfile", "shop", "api");
    assertEquals("{}", api.path("spec").path("podSelector").toString(), "image * selects all pods");
    assertTrue(r.err().contains("SeccompProfile shop/old: spec.disabled: skipped"), r.err());
    assertEquals(0, Cli.run("lint", out.toString()).code());
  }

  @Test
  void namespacesComeFromTheFlags() throws Exception {
    String file = FIXTURES.resolve("export-list.yaml").toString();
    Cli.Result none = Cli.run("migrate", "spo", file);
    assertEquals(1, none.code());
    assertTrue(
        none.err()
            .contains(
                "SeccompProfile log-everything: metadata.namespace: cluster-scoped in SPO and"
                    + " placed by no ProfileBinding, --map entry or profile that extends it: give"
                    + " --namespace NS, or --map log-everything=NS[,NS...]"),
        none.err());

    Cli.Result mapped =
        Cli.run(
            "migrate",
            "spo",
            file,
            "-n",
            "platform",
            "--map",
            "web=team-a,team-b",
            "--map",
            "nope=x");
    List<JsonNode> docs = documents(mapped.out());
    for (String ns : List.of("team-a", "team-b")) {
      find(docs, "SeccompProfile", ns, "web");
      find(docs, "SeccompProfile", ns, "runc-v1.2.5");
    }
    assertTrue(
        mapped.err().contains("error: " + file + ": --map nope: no SeccompProfile"), mapped.err());
    assertTrue(
        mapped
            .err()
            .contains(
                "ProfileBinding shop/web-pods: not applied: --map puts SeccompProfile web in team-a, team-b"),
        mapped.err());
    assertEquals(1, mapped.code());

    Cli.Result badFlag = Cli.run("migrate", "spo", file, "--map", "web");
    assertEquals(1, badFlag.code());
    assertTrue(
        badFlag.err().contains("--map: \"web\" is not NAME=NAMESPACE[,NAMESPACE...]"),
        badFlag.err());
  }
}
