package dev.leastprivilege.core.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerIdsTest {
  static final String ID = "9b1c0f7e8d6a5b4c3d2e1f00112233445566778899aabbccddeeff0011223344";

  @Test
  void readsTheCgroupfsLayoutOnAHybridHost() {
    // /proc/self/cgroup of a runc container given the kubelet's cgroupfs path, on this machine (v1
    // + v2).
    String text =
        """
        9:name=systemd:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/%1$s
        8:pids:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/%1$s
        4:memory:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/%1$s
        1:cpu:/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/%1$s
        0::/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/%1$s
        """
            .formatted(ID);
    assertEquals(Optional.of(ID), ContainerIds.fromProcCgroup(text));
  }

  @Test
  void readsTheSystemdLayoutsOfEachRuntime() {
    String slice =
        "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8695_a4b3c2d1e0f9.slice/";
    for (String scope : new String[] {"cri-containerd-", "crio-", "docker-", "libpod-"}) {
      assertEquals(
          Optional.of(ID), ContainerIds.fromProcCgroup(slice + scope + ID + ".scope\n"), scope);
    }
    // kind nodes nest the kubelet's tree under kubelet.slice; a container's own sub-cgroups follow
    // the ID.
    assertEquals(
        Optional.of(ID),
        ContainerIds.fromProcCgroup(
            "0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod1.slice/cri-containerd-"
                + ID
                + ".scope/init\n"));
    // cgroup v1 only, docker's cgroupfs layout.
    assertEquals(
        Optional.of(ID),
        ContainerIds.fromProcCgroup("12:pids:/docker/" + ID + "\n3:cpu:/docker/" + ID));
  }

  @Test
  void findsNoContainerOutsideOne() {
    // This machine's own shell, and a runc container named by hand.
    assertTrue(
        ContainerIds.fromProcCgroup(
                "9:name=systemd:/\n4:memory:/process_api/1bdf0736c804deb19a108d6010d3043d\n0::/\n")
            .isEmpty());
    assertTrue(ContainerIds.fromProcCgroup("0::/lpocg1\n").isEmpty());
    // CRI-O's monitor is not the container.
    assertTrue(
        ContainerIds.fromProcCgroup("0::/system.slice/crio-conmon-" + ID + ".scope\n").isEmpty());
    assertTrue(ContainerIds.fromProcCgroup("").isEmpty());
  }
}
