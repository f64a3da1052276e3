package dev.leastprivilege.core.caps;

import static dev.leastprivilege.core.caps.Capability.AUDIT_WRITE;
import static dev.leastprivilege.core.caps.Capability.CHOWN;
import static dev.leastprivilege.core.caps.Capability.DAC_OVERRIDE;
import static dev.leastprivilege.core.caps.Capability.FOWNER;
import static dev.leastprivilege.core.caps.Capability.FSETID;
import static dev.leastprivilege.core.caps.Capability.KILL;
import static dev.leastprivilege.core.caps.Capability.MKNOD;
import static dev.leastprivilege.core.caps.Capability.NET_BIND_SERVICE;
import static dev.leastprivilege.core.caps.Capability.NET_RAW;
import static dev.leastprivilege.core.caps.Capability.SETFCAP;
import static dev.leastprivilege.core.caps.Capability.SETGID;
import static dev.leastprivilege.core.caps.Capability.SETPCAP;
import static dev.leastprivilege.core.caps.Capability.SETUID;
import static dev.leastprivilege.core.caps.Capability.SYS_CHROOT;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The capabilities a container runtime gives a container when its pod asks for nothing. */
public final class RuntimeDefaults {
  /**
   * containerd's and Docker's default set (14 capabilities). Most Kubernetes nodes run containerd.
   */
  public static final CapabilitySet CONTAINERD =
      CapabilitySet.of(
          CHOWN,
          DAC_OVERRIDE,
          FSETID,
          FOWNER,
          MKNOD,
          NET_RAW,
          SETGID,
          SETUID,
          SETFCAP,
          SETPCAP,
          NET_BIND_SERVICE,
          SYS_CHROOT,
          KILL,
          AUDIT_WRITE);

  /** CRI-O's default_capabilities (9 capabilities). */
  public static final CapabilitySet CRIO =
      CapabilitySet.of(
          CHOWN, DAC_OVERRIDE, FSETID, FOWNER, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, KILL);

  /** Podman's containers.conf default (11 capabilities, mask 0x00000000800405fb). */
  public static final CapabilitySet PODMAN =
      CapabilitySet.of(
          CHOWN,
          DAC_OVERRIDE,
          FOWNER,
          FSETID,
          KILL,
          NET_BIND_SERVICE,
          SETFCAP,
          SETGID,
          SETPCAP,
          SETUID,
          SYS_CHROOT);

  private static final Map<String, CapabilitySet> BY_NAME =
      Map.of(
          "containerd",
          CONTAINERD,
          "docker",
          CONTAINERD,
          "crio",
          CRIO,
          "cri-o",
          CRIO,
          "podman",
          PODMAN);

  private RuntimeDefaults() {}

  public static Optional<CapabilitySet> named(String runtime) {
    return Optional.ofNullable(BY_NAME.get(runtime.toLowerCase(Locale.ROOT)));
  }
}
