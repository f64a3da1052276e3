package dev.leastprivilege.cli.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The config.json of an OCI bundle, shaped like what containerd gives runc for a Kubernetes
 * container: capabilities in the bounding, permitted and effective sets only (containerd sets no
 * inheritable or ambient ones), namespaces for pid, network, ipc, uts and mount, and the usual
 * masked paths.
 */
final class OciBundle {
  private static final ObjectMapper JSON = new ObjectMapper();

  private OciBundle() {}

  static void write(Path bundle, Path rootfs, RunSpec spec) throws IOException {
    ObjectNode c = JSON.createObjectNode();
    c.put("ociVersion", "1.0.2");
    ObjectNode process = c.putObject("process");
    process.put("terminal", false);
    process.putObject("user").put("uid", spec.uid()).put("gid", spec.gid());
    ArrayNode args = process.putArray("args");
    spec.command().forEach(args::add);
    process
        .putArray("env")
        .add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .add("HOME=" + (spec.uid() == 0 ? "/root" : "/tmp"));
    process.put("cwd", "/");
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode a = caps.putArray(set);
      spec.capabilities().capNames().forEach(a::add);
    }
    process
        .putArray("rlimits")
        .addObject()
        .put("type", "RLIMIT_NOFILE")
        .put("hard", 1024)
        .put("soft", 1024);
    process.put("noNewPrivileges", spec.noNewPrivileges());
    c.putObject("root").put("path", rootfs.toString()).put("readonly", false);
    c.put("hostname", "lpo");
    ArrayNode mounts = c.putArray("mounts");
    mount(mounts, "/proc", "proc", "proc", List.of());
    mount(
        mounts,
        "/dev",
        "tmpfs",
        "tmpfs",
        List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
    mount(
        mounts,
        "/dev/pts",
        "devpts",
        "devpts",
        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"));
    mount(
        mounts,
        "/dev/shm",
        "tmpfs",
        "shm",
        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
    mount(mounts, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
    ObjectNode linux = c.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String n : List.of("pid", "network", "ipc", "uts", "mount")) {
      ns.addObject().put("type", n);
    }
    linux
        .putObject("resources")
        .putArray("devices")
        .addObject()
        .put("allow", false)
        .put("access", "rwm");
    ArrayNode masked = linux.putArray("maskedPaths");
    List.of(
            "/proc/acpi",
            "/proc/kcore",
            "/proc/keys",
            "/proc/latency_stats",
            "/proc/timer_list",
            "/proc/timer_stats",
            "/proc/sched_debug",
            "/sys/firmware",
            "/proc/scsi")
        .forEach(masked::add);
    ArrayNode readonly = linux.putArray("readonlyPaths");
    List.of(
            "/proc/asound",
            "/proc/bus",
            "/proc/fs",
            "/proc/irq",
            "/proc/sys",
            "/proc/sysrq-trigger")
        .forEach(readonly::add);
    spec.seccomp().ifPresent(s -> linux.set("seccomp", s));
    JSON.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("config.json").toFile(), c);
  }

  private static void mount(
      ArrayNode mounts, String dest, String type, String source, List<String> options) {
    ObjectNode m =
        mounts.addObject().put("destination", dest).put("type", type).put("source", source);
    ArrayNode o = m.putArray("options");
    options.forEach(o::add);
  }
}
