package dev.leastprivilege.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leastprivilege.core.caps.CapabilitySet;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One container to run, as a node would start it.
 *
 * @param seccomp the rendered profile (the node file's content), or empty for no filter
 * @param rootfs a root file system to use as is, or empty for a fresh busybox one
 */
public record RunSpec(
    List<String> command,
    Optional<JsonNode> seccomp,
    CapabilitySet capabilities,
    int uid,
    int gid,
    Optional<Path> rootfs,
    boolean noNewPrivileges) {}
