package dev.leastprivilege.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.leastprivilege.cli.runc.BusyboxRootfs;
import dev.leastprivilege.core.record.CapabilityTracing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lpo record --capabilities on the real kernel through runc: the capability:cap_capable event in a
 * private trace instance, attributed to the container's workload.
 */
class RecordCapabilitiesIT {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path dir;

  @AfterEach
  void leavesNoTraceInstanceOrMount() throws IOException {
    Path instances = Path.of(CapabilityTracing.TRACEFS, "instances");
    if (Files.isDirectory(instances)) {
      try (Stream<Path> s = Files.list(instances)) {
        assertEquals(
            List.of(),
            s.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith(CapabilityTracing.RECORD_INSTANCE_PREFIX))
                .toList());
      }
    }
    assertTrue(
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .noneMatch(l -> l.contains("lpo-tracefs-")),
        "lpo record unmounted the tracefs it mounted");
  }

  private List<String> recordedAdd(String... args) throws IOException {
    Path policy = dir.resolve("caps.yaml");
    List<String> all =
        new ArrayList<>(
            List.of(
                "record",
                "--name",
                "demo/rec",
                "-o",
                dir.resolve("p.yaml").toString(),
                "--capability-policy-out",
                policy.toString()));
    all.addAll(List.of(args));
    Cli.Result r = Cli.run(all.toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    JsonNode doc = YAML.readTree(Files.readString(policy));
    assertEquals("CapabilityPolicy", doc.get("kind").asText());
    assertEquals(List.of("ALL"), strings(doc.at("/spec/drop")));
    return strings(doc.at("/spec/add"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void aRootChownRecordsChown() throws IOException {
    assertEquals(List.of("CHOWN"), recordedAdd("--", "chown", "1:1", "/etc/hostname"));
  }

  @Test
  void aNonRootListenerOnPort80RecordsNetBindService() throws IOException {
    // Plain busybox as uid 1000 has no capabilities: the kernel refuses the bind and nc exits. A
    // refused check whose syscall failed is a need. busybox's setgid/setuid checks at start are
    // refused too, but those calls succeed: not needs.
    assertEquals(
        List.of("NET_BIND_SERVICE"),
        recordedAdd("--user", "1000:1000", "--", "/usr/bin/nc", "-l", "-p", "80"));
  }

  @Test
  void aNonRootListenerWithTheFileCapabilityRecordsNetBindService() throws IOException {
    // The rootfs's nc carries cap_net_bind_service+ep, as an image that ran setcap: the bind is
    // granted and nc listens until timeout ends it (under sh: the container's first process
    // ignores signals it has no handler for).
    assertEquals(
        List.of("NET_BIND_SERVICE"),
        recordedAdd(
            "--user",
            "1000:1000",
            "--",
            "sh",
            "-c",
            "timeout 1 " + BusyboxRootfs.FILE_CAPS_NC + " -l -p 80; true"));
  }

  @Test
  void trueRecordsNothing() throws IOException {
    assertEquals(List.of(), recordedAdd("--", "true"));
  }

  @Test
  void aCommandThatCannotStartLeavesNothingBehind() {
    Cli.Result r =
        Cli.run(
            "record",
            "--name",
            "demo/rec",
            "--capabilities",
            "-o",
            dir.resolve("p.yaml").toString(),
            "--",
            "/no/such/command");
    assertTrue(r.code() != 0, r.err());
    // leavesNoTraceInstanceOrMount checks the rest.
  }
}
